import { methodChangeSecretColumns, registeredSecretColumns, rotatedSecretColumns } from './secret-columns';

const current = {
  secretHash: '$sha256$old',
  sealedSecret: 'sealed-old',
  previousSecretHash: '$sha256$older',
  previousSealedSecret: 'sealed-older',
  previousSecretExpiresAt: new Date('2030-01-01T00:00:00Z'),
};

describe('secret columns', () => {
  it('registers a client without a secret with no hash', () => {
    expect(registeredSecretColumns(undefined)).toEqual({ secretHash: null });
    expect(registeredSecretColumns({ secretHash: '$sha256$new', sealedSecret: null })).toEqual({
      secretHash: '$sha256$new',
      sealedSecret: null,
    });
  });

  it('on a change of method, a new secret ends the grace, no secret clears all, unsealing drops only the sealed copies', () => {
    const none = { previousSecretHash: null, previousSealedSecret: null, previousSecretExpiresAt: null };
    expect(methodChangeSecretColumns('new', { secretHash: '$sha256$new', sealedSecret: 'sealed-new' })).toEqual({
      secretHash: '$sha256$new',
      sealedSecret: 'sealed-new',
      ...none,
    });
    expect(methodChangeSecretColumns('none', undefined)).toEqual({ secretHash: null, sealedSecret: null, ...none });
    expect(methodChangeSecretColumns('unseal', undefined)).toEqual({ sealedSecret: null, previousSealedSecret: null });
    expect(methodChangeSecretColumns('keep', undefined)).toEqual({});
  });

  it('on rotation keeps the replaced secret for the grace, sealed only when the new one is sealed too', () => {
    const until = new Date('2031-01-01T00:00:00Z');
    expect(rotatedSecretColumns(current, { secretHash: '$sha256$new', sealedSecret: 'sealed-new' }, until)).toEqual({
      secretHash: '$sha256$new',
      sealedSecret: 'sealed-new',
      previousSecretHash: '$sha256$old',
      previousSealedSecret: 'sealed-old',
      previousSecretExpiresAt: until,
    });
    expect(rotatedSecretColumns(current, { secretHash: '$sha256$new', sealedSecret: null }, until)).toMatchObject({
      previousSecretHash: '$sha256$old',
      previousSealedSecret: null,
    });
    expect(rotatedSecretColumns(current, { secretHash: '$sha256$new', sealedSecret: 'sealed-new' }, null)).toEqual({
      secretHash: '$sha256$new',
      sealedSecret: 'sealed-new',
      previousSecretHash: null,
      previousSealedSecret: null,
      previousSecretExpiresAt: null,
    });
  });
});
