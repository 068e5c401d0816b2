import { useNavigate, useParams } from 'react-router';
import { CustomersPage } from '@/features/customers';

export default function CustomersRoute() {
  const { customerId } = useParams();
  const navigate = useNavigate();
  return <CustomersPage customerId={customerId ?? null} onOpen={(id) => navigate(`/customers/${id}`)} />;
}
