import type { ValidationError } from 'class-validator';
import type { FieldProblem } from '@app/clients';

/** class-validator's error tree as one entry per wrong field, named by its path (`audience.0`). */
export function toFieldProblems(errors: ValidationError[], parent = ''): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const messages = Object.values(e.constraints ?? {});
    if (messages.length) out.push({ field, message: messages.join('; ') });
    if (e.children?.length) out.push(...toFieldProblems(e.children, field));
  }
  return out;
}
