import { describe, expect, it } from 'vitest';
import { insertVariable, unknownVariables, variablesUsed } from './variables';

describe('template variables', () => {
  it('finds the variables a body uses, not literals, filters or keywords', () => {
    expect(variablesUsed('Hi {{ customer_name or "there" }}, order {{order_id}} ships {{ ship_eta | default("soon") }}.')).toEqual([
      'customer_name',
      'order_id',
      'ship_eta',
    ]);
    expect(variablesUsed('{% if tracking_url %}Track: {{ tracking_url }}{% endif %} — {{ agent_name or store_name }}')).toEqual([
      'tracking_url',
      'agent_name',
      'store_name',
    ]);
    expect(variablesUsed('No variables at all.')).toEqual([]);
  });

  it('flags names the server does not know', () => {
    expect(unknownVariables('{{ order_id }} {{ tracking_link }}', ['order_id', 'tracking_url'])).toEqual(['tracking_link']);
  });

  it('inserts a variable at the cursor', () => {
    expect(insertVariable('Hello !', 6, 6, 'customer_name')).toEqual({ body: 'Hello {{ customer_name }}!', cursor: 25 });
    expect(insertVariable('Order X', 6, 7, 'order_id')).toEqual({ body: 'Order {{ order_id }}', cursor: 20 });
  });
});
