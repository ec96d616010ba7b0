/**
 * Algebraic traits of ops that the rewriter needs beyond their kernels: which binary ops are
 * commutative (so one pattern `Add(MatMul(a, b), c)` also matches `Add(c, MatMul(a, b))`).
 * Only ops whose result is the same for both operand orders, bit for bit, including broadcasting
 * (the output shape is symmetric) and NaN propagation, are listed.
 */
const commutative = new Set([
  'Add', 'Mul', 'Max', 'Min', 'Sum', 'Mean', 'And', 'Or', 'Xor', 'Equal',
  'BitwiseAnd', 'BitwiseOr', 'BitwiseXor',
]);

/** True when swapping the two inputs of a `domain`/`op` node never changes its output. */
export function isCommutative(domain: string, op: string): boolean {
  return domain === '' && commutative.has(op);
}
