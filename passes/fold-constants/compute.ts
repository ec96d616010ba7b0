/**
 * One node computed on constant inputs, as both the main sweep of fold-constants and the cone
 * search (cones.ts) need it: the inputs gathered, the kernel run in the declared output dtypes,
 * the results checked and rounded as they will be stored. A result nothing reads (a training-mode
 * BatchNormalization's running statistics) is computed, since the kernel makes it anyway, but is
 * not a tensor to store: it costs the file nothing and becomes no initializer.
 */
import type { Editor } from '../../ir/edit/edit.js';
import { checkStorage, storedResult } from '../../ir/eval/values.js';
import { toTensor } from '../../ir/ops/tensor-value.js';
import type { OpDef, RtValue, TensorValue } from '../../ir/ops/types.js';
import type { Node, Tensor, ValueId } from '../../ir/types.js';
import { runKernel } from '../../src/kernel-call.js';
import { tensorBytes } from '../../src/tensor-bytes.js';

/** A node's results: `tensors` as later folds read them, `made` as stored (null: omitted or unread). */
export interface Computed {
  readonly made: (Tensor | null)[];
  readonly tensors: (TensorValue | null)[];
  /** Bytes of `made`. */
  readonly bytes: number;
}

/** Why a node could not be computed: its kernel threw, or a result is not a storable tensor. */
export type Refusal = 'kernel-refused' | 'unstorable';

/** `node`'s inputs as the kernel reads them (null for omitted ones); undefined when one is not a constant tensor. */
export function constantInputs(node: Node, read: (v: ValueId) => RtValue | null | undefined): (RtValue | null)[] | undefined {
  const inputs: (RtValue | null)[] = [];
  for (const v of node.inputs) {
    if (v === null) {
      inputs.push(null);
      continue;
    }
    const c = read(v);
    if (!c || c.kind !== 'tensor') return undefined;
    inputs.push(c);
  }
  return inputs;
}

/** The dtypes `node`'s outputs are declared with (undefined where not declared). */
function declaredDtypes(node: Node, e: Editor): (number | undefined)[] {
  return node.outputs.map((v) => {
    const t = v === null ? undefined : e.value(v)?.type;
    return t?.kind === 'tensor' && t.dtype !== 0 ? t.dtype : undefined;
  });
}

/** Runs `node`'s kernel on `inputs` (see the module comment). */
export function computeNode(e: Editor, node: Node, def: OpDef, opset: number, inputs: readonly (RtValue | null)[]): Computed | Refusal {
  const dtypes = declaredDtypes(node, e);
  let results: (RtValue | null)[];
  try {
    results = runKernel(def, node, opset, inputs, dtypes);
  } catch {
    return 'kernel-refused';
  }
  const read = node.outputs.map((y) => y !== null && e.uses(y).length > 0);
  const tensors = checkResults(node, results, dtypes, inputs, read);
  if (!tensors) return 'unstorable';
  // A folded result is written to nothing afterwards: its bytes can be a view of the kernel's output.
  const made = tensors.map((t, k) => (t && read[k] ? toTensor(t, undefined, true) : null));
  return { made, tensors, bytes: made.reduce((n, t) => n + (t ? tensorBytes(t) : 0), 0) };
}

/**
 * The kernel's results as tensors, as they are stored (narrow floats rounded to their dtype, as
 * the evaluator does between nodes: a later fold in the same sweep reads them), null for omitted
 * outputs, and for unread ones the kernel does not compute (a BatchNormalization-9's saved mean and
 * variance); undefined when they cannot be stored.
 */
function checkResults(node: Node, results: readonly (RtValue | null)[], dtypes: readonly (number | undefined)[], inputs: readonly (RtValue | null)[], read: readonly boolean[]): (TensorValue | null)[] | undefined {
  if (!Array.isArray(results)) return undefined;
  const out: (TensorValue | null)[] = [];
  for (let k = 0; k < node.outputs.length; k++) {
    if (node.outputs[k] === null) {
      out.push(null);
      continue;
    }
    const r = results[k];
    if (!r && !read[k]) {
      out.push(null);
      continue;
    }
    if (!r || r.kind !== 'tensor') return undefined;
    if (dtypes[k] !== undefined && dtypes[k] !== r.dtype) return undefined;
    try {
      checkStorage(r, node.op);
    } catch {
      return undefined;
    }
    out.push(storedResult(r, inputs));
  }
  return out;
}
