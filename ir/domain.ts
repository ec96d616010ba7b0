/**
 * Operator domains. The ONNX domain is spelled '' in the IR; files may spell it 'ai.onnx'.
 */

/** The IR spelling of a domain: '' for the ONNX domain however it was written (absent, '' or 'ai.onnx'). */
export function normalizeDomain(d: string | undefined): string {
  return d === undefined || d === 'ai.onnx' ? '' : d;
}
