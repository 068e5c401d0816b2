// @vitest-environment jsdom
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { mockApi, resetApi } from '@/test/api';
import { renderApp } from '@/test/render';
import type { Case } from '../api/cases';
import { CaseAttachments } from './case-attachments';

afterEach(() => {
  cleanup();
  resetApi();
});

const file = (id: string, filename: string, extra: object = {}) => ({
  id,
  filename,
  content_type: 'application/pdf',
  size: 2048,
  status: 'stored',
  failure_reason: null,
  message_id: null,
  download_url: `/v1/attachments/${id}`,
  ...extra,
});

const theCase = (attachments: object[], legacy: string[] = []) =>
  ({ id: 'case-1', attachments, legacy_attachment_refs: legacy }) as unknown as Case;

describe('CaseAttachments', () => {
  it('lists the files as the thread does and unlinks one, keeping the others', async () => {
    const api = mockApi({ 'PATCH /v1/cases/:id': {}, 'GET /v1/cases': { items: [], next_cursor: null } });
    await renderApp(<CaseAttachments item={theCase([file('a1', 'receipt.pdf'), file('a2', 'label.pdf')])} canEdit />);
    expect(screen.getAllByTestId('attachment-download')[0]).toHaveTextContent('receipt.pdf');
    await userEvent.click(screen.getAllByRole('button', { name: 'Remove receipt.pdf from the case' })[0]!);
    await waitFor(() => expect(api.to('PATCH', '/v1/cases/case-1')).toHaveLength(1));
    expect(api.to('PATCH', '/v1/cases/case-1')[0]?.body).toEqual({ attachment_ids: ['a2'] });
  });

  it("attaches the conversation's images and uploads a file, then links it after the others", async () => {
    const api = mockApi({
      'PATCH /v1/cases/:id': {},
      'POST /v1/attachments': { id: 'new-1', filename: 'photo.pdf' },
    });
    await renderApp(<CaseAttachments item={theCase([file('a1', 'receipt.pdf')])} canEdit />);
    await userEvent.click(screen.getByTestId('case-attach-images'));
    await waitFor(() => expect(api.to('PATCH', '/v1/cases/case-1')).toHaveLength(1));
    expect(api.to('PATCH', '/v1/cases/case-1')[0]?.body).toEqual({ attach_conversation_images: true });
    await waitFor(() => expect(screen.getByTestId('case-attach-input')).toBeEnabled());
    await userEvent.upload(screen.getByTestId('case-attach-input'), new File(['%PDF-1.4'], 'photo.pdf'));
    await waitFor(() => expect(api.to('PATCH', '/v1/cases/case-1')).toHaveLength(2));
    expect(api.to('POST', '/v1/attachments')[0]?.query.get('filename')).toBe('photo.pdf');
    expect(api.to('PATCH', '/v1/cases/case-1')[1]?.body).toEqual({ attachment_ids: ['a1', 'new-1'] });
  });

  it('shows a refusal from the server, and earlier references, in Chinese', async () => {
    mockApi({
      'PATCH /v1/cases/:id': {
        status: 422,
        json: {
          status: 422,
          title: 'Invalid input',
          detail: 'A case links at most 50 files.',
          errors: [{ field: 'body.attach_conversation_images', reason: 'at most 50 files on a case' }],
        },
      },
    });
    await renderApp(<CaseAttachments item={theCase([], ['media-9913'])} canEdit />, { language: 'zh-CN' });
    expect(screen.getByTestId('case-attachments-none')).toHaveTextContent('此工单暂无附件');
    expect(screen.getByTestId('case-legacy-refs')).toHaveTextContent('media-9913');
    await userEvent.click(screen.getByRole('button', { name: '附上买家的图片' }));
    expect((await screen.findAllByText(/at most 50 files/))[0]).toBeInTheDocument();
  });

  it('offers no editing to a reader', async () => {
    mockApi({});
    await renderApp(<CaseAttachments item={theCase([file('a1', 'receipt.pdf')])} canEdit={false} />);
    expect(screen.getByTestId('attachment-download')).toBeInTheDocument();
    expect(screen.queryByTestId('case-attach-images')).toBeNull();
    expect(screen.queryByTestId('case-attachment-remove')).toBeNull();
  });
});
