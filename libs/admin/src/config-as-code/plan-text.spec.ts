import { planText } from './plan-text';

describe('planText', () => {
  it('shows each change and field as a reviewer reads it, with a count', () => {
    expect(
      planText([
        { kind: 'client', id: 'payments', action: 'create', fields: [{ field: 'scope', to: 'a b' }] },
        { kind: 'client', id: 'orders', action: 'update', fields: [{ field: 'access_token_ttl', from: 600, to: null }] },
        { kind: 'client', id: 'old', action: 'delete', fields: [] },
      ]),
    ).toBe(
      [
        '+ client payments (create)',
        '    scope: "a b"',
        '~ client orders (update)',
        '    access_token_ttl: 600 -> null',
        '- client old (delete)',
        '',
        'Plan: 1 to create, 1 to update, 0 to disable, 1 to delete.',
        '',
      ].join('\n'),
    );
  });

  it('says when nothing would change', () => {
    expect(planText([])).toBe('No changes: the server matches the file.\n');
  });
});
