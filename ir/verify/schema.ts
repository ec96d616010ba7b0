/**
 * The verifier's schema rules: every node of a standard domain (ai.onnx, ai.onnx.ml,
 * ai.onnx.preview[.training]) checked against what ONNX defines for its op at the imported opset
 * (`ir/ops/schema/`), and the model's versions against what lathe knows.
 *
 * Codes:
 * - `ir-version`     (warning) IR version newer than lathe knows; (error) below 1
 * - `opset-newer`    (warning) an opset import newer than lathe knows
 * - `opset-range`    an opset import below 1, or an op used at an opset before it existed
 * - `op-unknown`     an op no version of the standard domain defines
 * - `ort-op`         (warning) an op onnxruntime registers in ai.onnx where ONNX has none
 *                    (LayerNormalization before opset 17, SimplifiedLayerNormalization)
 * - `op-deprecated`  (warning) an op version used at an opset where ONNX deprecated it
 * - `op-arity`       input or output count outside the op's range; a required input omitted
 * - `output-case`    (warning) an output count in range that the op's own cases rule out
 *                    (BatchNormalization: Y alone or with all its statistics)
 * - `attr-missing`   a required attribute absent
 * - `attr-kind`      an attribute of another kind than the op defines
 * - `attr-unknown`   an attribute the op does not define (onnx's checker and onnxruntime refuse it)
 * - `attr-conflict`  attributes of which the op takes only one (Constant's value forms)
 * - `ref-outside-function` (warning) an attribute referring to a function's attributes
 *                    (ref_attr_name) outside a function body, where there is none to refer to;
 *                    onnx's checker lets it pass, onnxruntime reads the unset value field as 0
 * - `input-dtype`    an input whose declared type the op's type constraint does not allow, or
 *                    two inputs of one constraint with different types
 * - `output-dtype`   the same for a declared output type (against the inputs' types too)
 * - `undefined-dtype` (warning) a declared tensor type without data_type (0): onnx allows it,
 *                    onnxruntime refuses the file
 * - `body-arity`     a Loop/Scan/If body whose input or output count does not fit the node, or
 *                    a Loop body whose iteration number or condition is declared of another type
 *
 * The walk also checks what tensor.ts knows of sparse tensors as a whole (`sparse-tensor`, for
 * sparse initializers and attributes) and declared types whose data_type ONNX does not define
 * (`bad-dtype`).
 *
 * Nodes that call a local function, and nodes of other domains, are not checked here. Types are
 * known only where the model declares them (inputs, initializers, value_info): unknown is fine.
 */
import { dtypeInfo, dtypeName } from '../dtype.js';
import type { Attr, Graph, Model, Node, OpsetId, Type, ValueId } from '../types.js';
import { newestOpset, opSchema, opSchemaVersions, type OpSchema } from '../ops/schema/index.js';
import { tableKeys } from '../table-keys.js';
import { entry, pathLabel, rootPaths, walkGraphTree, type GraphPath } from '../walk.js';
import { sparseProblems } from './tensor.js';
import type { Diagnostic } from './diagnostic.js';
import { normalizeDomain } from '../domain.js';

/** The newest IR version lathe reads (onnx.proto's IR_VERSION). */
export const NEWEST_IR_VERSION = 14;

const STANDARD = new Set(['', 'ai.onnx', 'ai.onnx.ml', 'ai.onnx.preview', 'ai.onnx.preview.training']);

function opsetMap(opsets: readonly OpsetId[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const o of opsets) m.set(normalizeDomain(o.domain), o.version);
  return m;
}

/** The type spelled as in ONNX's type constraints (`float`, `seq(int64)`), or undefined when not fully known. */
export function typeString(t: Type | undefined): string | undefined {
  if (!t) return undefined;
  switch (t.kind) {
    case 'tensor':
      return t.dtype > 0 ? dtypeName(t.dtype) : undefined;
    case 'sparse': {
      return t.dtype > 0 ? `sparse_tensor(${dtypeName(t.dtype)})` : undefined;
    }
    case 'sequence': {
      const e = typeString(t.elem);
      return e === undefined ? undefined : `seq(${e})`;
    }
    case 'optional': {
      const e = typeString(t.elem);
      return e === undefined ? undefined : `optional(${e})`;
    }
    case 'map': {
      const v = typeString(t.value);
      return v === undefined ? undefined : `map(${dtypeName(t.key)},${v})`;
    }
    default:
      return undefined;
  }
}

/** Appends the schema diagnostics of `model` to `out`. */
export function checkSchema(model: Model, out: Diagnostic[], maxDepth = 100): void {
  if (!(model.irVersion >= 1)) {
    out.push({ severity: 'error', code: 'ir-version', message: `IR version ${model.irVersion} is not a valid version`, graph: 'main' });
  } else if (model.irVersion > NEWEST_IR_VERSION) {
    out.push({ severity: 'warning', code: 'ir-version', message: `IR version ${model.irVersion} is newer than lathe knows (${NEWEST_IR_VERSION})`, graph: 'main' });
  }
  const checkImports = (opsets: readonly OpsetId[], where: string) => {
    for (const o of opsets) {
      const newest = newestOpset(o.domain);
      if (newest === undefined) continue;
      const name = o.domain || 'ai.onnx';
      if (!(o.version >= 1)) out.push({ severity: 'error', code: 'opset-range', message: `opset import ${name} version ${o.version} is not a valid version`, graph: where });
      else if (o.version > newest) out.push({ severity: 'warning', code: 'opset-newer', message: `opset import ${name} version ${o.version} is newer than lathe knows (${newest})`, graph: where });
    }
  };
  checkImports(model.opsets, 'main');
  model.functions.forEach((f) => checkImports(f.opsets, `function ${f.domain}::${f.name}`));

  const local = new Set(model.functions.map((f) => `${f.domain}\u0000${f.name}\u0000${f.overload ?? ''}`));
  const modelOpsets = opsetMap(model.opsets);
  for (const root of rootPaths(model)) {
    const fn = root.step.kind === 'function' ? model.functions[root.step.index] : undefined;
    const opsets = fn ? opsetMap(fn.opsets) : modelOpsets;
    /** Schema lookups of this root (one opset per domain), by domain and op; null = none. */
    const schemas = new Map<string, Map<string, OpSchema | null>>();
    walkGraphTree(root, (g, p) => {
      if (p.depth > maxDepth) return false;
      let label: string | undefined;
      const here = () => (label ??= pathLabel(model, p));
      checkValues(g, here, out);
      // Types of values read here: this graph's, else an enclosing graph's (ids are model-wide).
      const typeOf = (v: ValueId): Type | undefined => {
        for (let q: GraphPath | null = p; q; q = q.parent) {
          const e = entry(q.graph.values, v);
          if (e) return e.type;
        }
        return undefined;
      };
      const order = g.order;
      for (let pos = 0; pos < order.length; pos++) {
        const node = Object.hasOwn(g.nodes, order[pos]) ? g.nodes[order[pos]] : undefined;
        if (!node) continue;
        const report: Report = (code, message, severity = 'error') => {
          const who = node.name ? node.name : `#${pos} ${node.op}`;
          out.push({ severity, code, message: `node ${who} (${node.op}): ${message}`, graph: here(), node: who });
        };
        const attrs = node.attrs;
        for (let k = 0; k < attrs.length; k++) {
          const a = attrs[k];
          // Only a function body has attributes to refer to (ref_attr_name). onnx's checker lets it
          // pass and onnxruntime reads the attribute's own (unset, zero) value field: a warning.
          if (a.kind === 'ref' && !fn) report('ref-outside-function', `attribute ${a.name} refers to @${a.ref}, but only a function body has attributes to refer to (onnxruntime reads ${a.name} as 0)`, 'warning');
          if (a.kind !== 'sparse_tensor' && a.kind !== 'sparse_tensors') continue;
          for (const sp of a.kind === 'sparse_tensor' ? [a.value] : a.value) {
            for (const [code, message] of sparseProblems(sp)) report(code, `attribute ${a.name}: ${message}`);
          }
        }
        const domain = normalizeDomain(node.domain);
        if (!STANDARD.has(domain)) continue;
        if (local.size > 0 && local.has(`${node.domain}\u0000${node.op}\u0000${node.overload ?? ''}`)) continue;
        const version = opsets.get(domain);
        if (version === undefined || !(version >= 1)) continue; // unknown-domain / opset-range say so
        let byOp = schemas.get(domain);
        if (!byOp) schemas.set(domain, (byOp = new Map()));
        let s = byOp.get(node.op);
        if (s === undefined) byOp.set(node.op, (s = opSchema(domain, node.op, version) ?? null));
        checkNode(node, domain, version, s, report, typeOf);
      }
      return true;
    });
  }
}

/** Per-value checks of one graph: declared data_types and sparse initializers. */
function checkValues(g: Graph, here: () => string, out: Diagnostic[]) {
  const ids = tableKeys(g.values);
  for (let i = 0; i < ids.length; i++) {
    const value = g.values[ids[i]];
    const t = value.type;
    if (t && hasUndefinedDtype(t)) {
      const name = value.name ?? value.id;
      out.push({ severity: 'warning', code: 'undefined-dtype', message: `type of ${name} has a tensor without data_type (0, UNDEFINED): onnxruntime refuses such a file`, graph: here(), value: name });
    }
    if (t && (t.kind !== 'tensor' || (t.dtype !== 0 && !dtypeInfo(t.dtype)))) {
      const bad = unknownDtype(t);
      const name = value.name ?? value.id;
      if (bad !== undefined) out.push({ severity: 'error', code: 'bad-dtype', message: `type of ${name} has data_type ${bad}, which ONNX does not define`, graph: here(), value: name });
    }
  }
  for (const id of g.sparseInitializers) {
    const value = entry(g.values, id);
    if (!value?.sparse) continue;
    const name = value.name ?? id;
    for (const [code, message] of sparseProblems(value.sparse)) out.push({ severity: 'error', code, message: `${name}: ${message}`, graph: here(), value: name });
  }
}

/** Whether a tensor type in `t` (at any depth) has data_type 0: a shape without its element type. */
function hasUndefinedDtype(t: Type): boolean {
  for (let x: Type | undefined = t, depth = 0; x && depth < 64; depth++) {
    if (x.kind === 'tensor' || x.kind === 'sparse') return x.dtype === 0;
    x = x.kind === 'sequence' || x.kind === 'optional' ? x.elem : x.kind === 'map' ? x.value : undefined;
  }
  return false;
}

/** A data_type code in `t` (at any depth) that ONNX does not define; 0 (unset) is allowed in types (a warning, above). */
function unknownDtype(t: Type): number | undefined {
  for (let x: Type | undefined = t, depth = 0; x && depth < 64; depth++) {
    if (x.kind === 'tensor' || x.kind === 'sparse') return x.dtype !== 0 && !dtypeInfo(x.dtype) ? x.dtype : undefined;
    if (x.kind === 'map' && x.key !== 0 && !dtypeInfo(x.key)) return x.key;
    x = x.kind === 'sequence' || x.kind === 'optional' ? x.elem : x.kind === 'map' ? x.value : undefined;
  }
  return undefined;
}

type Report = (code: string, message: string, severity?: 'error' | 'warning') => void;

/**
 * onnxruntime's own ops that it registers in the ai.onnx domain (a historical mistake it keeps
 * for compatibility): its extended optimization level and transformer tools write them, and it
 * loads them; other runtimes do not. Lathe leaves such nodes as they are (no kernel, no
 * inference at that opset).
 */
const ORT_AI_ONNX: Readonly<Record<string, number>> = { LayerNormalization: 17, SimplifiedLayerNormalization: Infinity };

function checkNode(node: Node, domain: string, version: number, s: OpSchema | null, report: Report, typeOf: (v: ValueId) => Type | undefined) {
  if (!s && domain === '' && version < (ORT_AI_ONNX[node.op] ?? 0)) {
    report('ort-op', `${node.op} is not an ai.onnx op at opset ${version} but onnxruntime's own (it loads it; other runtimes do not); left as it is`, 'warning');
    return;
  }
  if (!s) {
    const versions = opSchemaVersions(domain, node.op);
    const dname = domain || 'ai.onnx';
    if (!versions) report('op-unknown', `${dname} defines no op ${node.op}`);
    else report('opset-range', `${node.op} exists from ${dname} opset ${versions[0]}, but the model imports opset ${version}`);
    return;
  }
  const dname = domain || 'ai.onnx';
  if (s.deprecated !== undefined) {
    report('op-deprecated', `${node.op} is deprecated since ${dname} opset ${s.deprecated} (the model imports opset ${version})`, 'warning');
    return;
  }
  const nin = node.inputs.length;
  const nout = node.outputs.length;
  if (nin < s.minInputs || nin > s.maxInputs) report('op-arity', `has ${nin} input${nin === 1 ? '' : 's'}; ${node.op}-${s.since} takes ${range(s.minInputs, s.maxInputs)}`);
  // A node without outputs is reported as no-outputs already.
  if (nout > 0 && (nout < s.minOutputs || nout > s.maxOutputs)) report('op-arity', `has ${nout} output${nout === 1 ? '' : 's'}; ${node.op}-${s.since} gives ${range(s.minOutputs, s.maxOutputs)}`);
  else checkOutputCases(node, domain, s, report);
  checkMissingInputs(node, s, report);
  checkAttrs(node, s, report);
  checkTypes(node, s, report, typeOf);
  checkBodies(node, s, report);
}

function range(min: number, max: number): string {
  if (min === max) return `${min}`;
  return max === Infinity ? `${min} or more` : `${min} to ${max}`;
}

/**
 * Output counts within the schema's range that the op's text still rules out. BatchNormalization
 * lists its cases: Y alone (inference), or Y with every statistic (training): five outputs up to
 * opset 13, three from 14, where the count must also agree with training_mode. onnx's checker
 * takes any count in range (onnx's shape inference checks the agreement from 14); onnxruntime
 * refuses every other count at load (measured). A warning, as onnx's checker passes the file.
 */
function checkOutputCases(node: Node, domain: string, s: OpSchema, report: Report) {
  if (domain !== '' || node.op !== 'BatchNormalization') return;
  const n = node.outputs.length;
  const all = s.maxOutputs;
  if (s.since >= 14) {
    const training = node.attrs.some((a) => a.name === 'training_mode' && a.kind === 'int' && a.value !== 0n);
    const want = training ? all : 1;
    if (n !== want) report('output-case', `has ${n} output${n === 1 ? '' : 's'}; ${node.op}-${s.since} with training_mode = ${training ? 1 : 0} gives ${want === 1 ? 'Y alone' : `all ${want} (Y and the running statistics)`}: onnxruntime refuses other counts`, 'warning');
    return;
  }
  if (n !== 1 && n !== all) report('output-case', `has ${n} outputs; ${node.op}-${s.since} gives Y alone or all ${all} (Y and its statistics): onnxruntime refuses other counts`, 'warning');
}

/** A required (single, non-optional) input given as "" (omitted). */
function checkMissingInputs(node: Node, s: OpSchema, report: Report) {
  const n = Math.min(node.inputs.length, s.inputs.length);
  for (let i = 0; i < n; i++) {
    const p = s.inputs[i];
    if (node.inputs[i] === null && !p.optional && !p.variadic) report('op-arity', `required input ${i} (${p.name}) is omitted`);
  }
}

function checkAttrs(node: Node, s: OpSchema, report: Report) {
  const seen = new Set<string>();
  for (const a of node.attrs) {
    seen.add(a.name);
    const want = s.attrs.get(a.name);
    // onnx's checker and onnxruntime both refuse an attribute the op does not define.
    if (!want) {
      report('attr-unknown', `${node.op}-${s.since} has no attribute ${a.name}`);
      continue;
    }
    const kind = attrKind(a);
    if (kind !== undefined && kind !== want.kind) report('attr-kind', `attribute ${a.name} is ${kind}; ${node.op} wants ${want.kind}`);
  }
  for (const [name, a] of s.attrs) if (a.required && !seen.has(name)) report('attr-missing', `required attribute ${name} (${a.kind}) is missing`);
  if (node.op === 'Constant' && s.domain === '') checkConstantValue(node, s, report);
}

/** Constant's value forms: ONNX wants exactly one (onnx's checker and onnxruntime refuse others). */
const CONSTANT_VALUES = new Set(['value', 'sparse_value', 'value_float', 'value_floats', 'value_int', 'value_ints', 'value_string', 'value_strings']);

function checkConstantValue(node: Node, s: OpSchema, report: Report) {
  const given = node.attrs.filter((a) => CONSTANT_VALUES.has(a.name)).map((a) => a.name);
  // None: before opset 11 `value` is required and the check above reported it; from 11 it is not.
  if (given.length === 0 && !s.attrs.get('value')?.required) {
    report('attr-missing', 'Constant has none of value, sparse_value, value_float(s), value_int(s), value_string(s): it needs exactly one');
  } else if (given.length > 1) {
    report('attr-conflict', `Constant has ${given.join(' and ')}: it takes exactly one value attribute`);
  }
}

/** The kind an attribute holds (a function's `ref` attribute declares it); undefined when unset. */
function attrKind(a: Attr): string | undefined {
  if (a.kind === 'ref') return a.type === 'undefined' ? undefined : a.type;
  if (a.kind === 'undefined') return undefined;
  return a.kind;
}

/**
 * Declared types of the inputs, then the outputs, against the type constraints: each allowed, and
 * every value of one (non-heterogeneous) constraint of one type.
 */
function checkTypes(node: Node, s: OpSchema, report: Report, typeOf: (v: ValueId) => Type | undefined) {
  const bound = new Map<string, string>();
  const side = (ids: readonly (ValueId | null)[], params: OpSchema['inputs'], what: 'input' | 'output') => {
    if (params.length === 0) return;
    const code = `${what}-dtype`;
    for (let i = 0; i < ids.length; i++) {
      const v = ids[i];
      if (v === null) continue;
      const p = params[Math.min(i, params.length - 1)];
      if (i >= params.length && !p.variadic) break;
      const t = typeString(typeOf(v));
      if (t === undefined) continue;
      const allowed = s.types.get(p.type);
      if (!allowed) {
        // A type written out in the schema (`int64`, `seq(float)`).
        if (t !== p.type) report(code, `${what} ${i} (${p.name}) is ${t}; ${node.op}-${s.since} wants ${p.type}`);
        continue;
      }
      if (!allowed.has(t)) {
        report(code, `${what} ${i} (${p.name}) is ${t}, which ${node.op}-${s.since} does not allow for ${p.type}`);
        continue;
      }
      if (p.heterogeneous) continue;
      const prior = bound.get(p.type);
      if (prior === undefined) bound.set(p.type, t);
      else if (prior !== t) report(code, `${what} ${i} (${p.name}) is ${t}, but another value of type ${p.type} is ${prior}`);
    }
  };
  side(node.inputs, s.inputs, 'input');
  // A Constant's output has its value's type. Constant-1 (opsets 1-8) lists only float types for
  // T, yet exporters of that era (PyTorch 0.3-0.4) wrote int64 Constants for Reshape targets, and
  // onnxruntime loads them (it turns Constants into initializers): declaring that type, as shape
  // inference does, must not make such a model invalid when leaving it undeclared does not.
  if (node.op !== 'Constant') side(node.outputs, s.outputs, 'output');
}

function graphAttr(node: Node, name: string): Graph | undefined {
  const a = node.attrs.find((x) => x.name === name);
  return a && a.kind === 'graph' ? a.value : undefined;
}

/** Body signatures of the control-flow ops (ONNX's rules for Loop, Scan ≥ 9 and If). */
function checkBodies(node: Node, s: OpSchema, report: Report) {
  if (node.domain !== '' && node.domain !== 'ai.onnx') return;
  const nin = node.inputs.length;
  const nout = node.outputs.length;
  if (node.op === 'Loop') {
    const body = graphAttr(node, 'body');
    if (!body || nin < 2) return;
    // inputs (M, cond, v…) ↔ body inputs (iteration, cond, v…); body outputs (cond, v…, scan…).
    if (body.inputs.length !== nin) report('body-arity', `body has ${body.inputs.length} inputs; a Loop with ${nin} inputs needs ${nin}`);
    if (body.outputs.length !== nout + 1) report('body-arity', `body has ${body.outputs.length} outputs; a Loop with ${nout} outputs needs ${nout + 1}`);
    // The iteration number is int64 and the condition bool, where the body declares them.
    const declared = (ids: readonly ValueId[], k: number) => (k < ids.length ? typeString(entry(body.values, ids[k])?.type) : undefined);
    for (const [what, t, want] of [['input 0', declared(body.inputs, 0), 'int64'], ['input 1', declared(body.inputs, 1), 'bool'], ['output 0', declared(body.outputs, 0), 'bool']]) {
      if (t !== undefined && t !== want) report('body-arity', `body ${what} is ${t}; Loop needs ${want}`);
    }
  } else if (node.op === 'Scan' && s.since >= 9) {
    const body = graphAttr(node, 'body');
    if (!body) return;
    if (body.inputs.length !== nin) report('body-arity', `body has ${body.inputs.length} inputs; a Scan with ${nin} inputs needs ${nin}`);
    if (body.outputs.length !== nout) report('body-arity', `body has ${body.outputs.length} outputs; a Scan with ${nout} outputs needs ${nout}`);
  } else if (node.op === 'If') {
    for (const branch of ['then_branch', 'else_branch']) {
      const body = graphAttr(node, branch);
      if (body && body.outputs.length !== nout) report('body-arity', `${branch} has ${body.outputs.length} outputs; the If has ${nout}`);
      // A branch is run with no arguments (it reads outer values by name): onnx's inference and
      // onnxruntime refuse one that declares inputs.
      if (body && body.inputs.length > 0) report('body-arity', `${branch} declares ${body.inputs.length} input${body.inputs.length === 1 ? '' : 's'}; an If branch takes none`);
    }
  }
}
