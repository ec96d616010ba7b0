/** `duplicate-function`: two functions with one (domain, name, overload). */
import { functionKey, type VerifyContext } from '../context.js';

export function duplicateFunction(ctx: VerifyContext): void {
  const seen = new Set<string>();
  for (const f of ctx.model.functions) {
    const key = functionKey(f.domain, f.name, f.overload);
    if (seen.has(key)) {
      ctx.out.push({ severity: 'error', code: 'duplicate-function', message: `function ${f.domain}::${f.name} is defined twice`, graph: `function ${f.domain}::${f.name}` });
    } else seen.add(key);
  }
}
