import { describe, expect, it } from 'vitest';
import { fillTemplate } from './fill-template';

describe('fillTemplate', () => {
  it('fills known variables, with or without spaces inside the braces', () => {
    expect(fillTemplate('Hi {{customer_name}}, order {{ order_id }} ships today.', { customer_name: 'Alisa', order_id: '111-1' })).toEqual({
      text: 'Hi Alisa, order 111-1 ships today.',
      missing: [],
    });
  });

  it('takes the first present alternative of an `or` chain, literals included', () => {
    expect(fillTemplate('Hi {{ customer_name or "there" }},', { customer_name: null }).text).toBe('Hi there,');
    expect(fillTemplate('{{ agent_name or store_name }}', { agent_name: '', store_name: 'Gadgets US' }).text).toBe('Gadgets US');
    expect(fillTemplate("{{ carrier or 'the carrier' }}", { carrier: 'UPS' }).text).toBe('UPS');
  });

  it('understands the default filter', () => {
    expect(fillTemplate('{{ ship_eta | default("soon") }}', {}).text).toBe('soon');
  });

  it('leaves unknown variables visible and reports them once', () => {
    expect(fillTemplate('{{ tracking_url }} / {{ tracking_url }} / {{ agent_name or store_name }}', {})).toEqual({
      text: '{{ tracking_url }} / {{ tracking_url }} / {{ agent_name or store_name }}',
      missing: ['tracking_url', 'agent_name', 'store_name'],
    });
  });

  it('does not try to evaluate what it does not understand', () => {
    expect(fillTemplate('{{ items | length }}', { items: '3' })).toEqual({ text: '{{ items | length }}', missing: [] });
  });
});
