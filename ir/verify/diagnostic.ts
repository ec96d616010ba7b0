/**
 * What the verifier reports. In a module of its own so that the verifier's parts (context,
 * walks, rules) and its callers share the type without importing the entry point.
 */

export interface Diagnostic {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  /** Where: `main`, `main/If_0.then_branch`, `function ::Foo` … */
  graph: string;
  /** The node: its ONNX name, else `#<index> <op>`. */
  node?: string;
  /** The value: its ONNX name, else its id. */
  value?: string;
}

/** Where a diagnostic points inside its graph. */
export interface Place {
  node?: string;
  value?: string;
}
