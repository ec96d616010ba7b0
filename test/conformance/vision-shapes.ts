/**
 * Measures how much of a vision model inference shapes when the image height and width are
 * symbolic: the corpus skeletons' first input gets `H` and `W` for its last two dims, declared
 * types of every other value are dropped, and the node outputs whose inferred shape is complete
 * (every dim a number or an expression) are counted. infer.test.ts writes the figures into
 * INFER.md; vision-shapes.test.ts holds the ratchet.
 */
import type { Dim, Model, Type, Value, ValueId } from '../../ir/types.js';
import { inferTypes } from '../../ir/infer/infer.js';

/** The corpus vision skeletons measured (weight-free: inference needs no weights). */
export const VISION_MODELS = [
  'resnet50.legacy.onnx',
  'mobilenet_v2.legacy.onnx',
  'efficientnet_b0.legacy.onnx',
  'squeezenet1_1.legacy.onnx',
  'ssdlite320.legacy.onnx',
  'resnet50.dynamo.onnx',
  'mobilenet_v2.dynamo.onnx',
] as const;

export interface VisionFigures {
  /** Node outputs of the main graph. */
  readonly outputs: number;
  /** ... whose inferred shape has every dim known (number or expression). */
  readonly complete: number;
  /** The dims of the graph outputs as inferred, e.g. `[1,1000]`. */
  readonly graphOutputs: readonly string[];
}

/** `model` with its first input's last two dims (an image's height and width) renamed `H` and `W` and other declared types dropped. */
export function withSymbolicHW(model: Model): Model {
  const g = model.graph;
  const first = g.inputs.find((id) => !g.initializers.includes(id));
  const values: Record<ValueId, Value> = {};
  for (const [id, v] of Object.entries(g.values) as [ValueId, Value][]) {
    if (id === first && v.type?.kind === 'tensor' && v.type.shape && v.type.shape.length >= 3) {
      const shape: Dim[] = [...v.type.shape];
      shape[shape.length - 2] = 'H';
      shape[shape.length - 1] = 'W';
      values[id] = { ...v, type: { ...v.type, shape } };
    } else if (v.def) {
      const { type: _dropped, ...rest } = v;
      values[id] = rest;
    } else values[id] = v;
  }
  const { outputInfo: _o, ...graph } = g;
  return { ...model, graph: { ...graph, values } };
}

function complete(t: Type | undefined): boolean {
  return t?.kind === 'tensor' && t.shape !== undefined && t.shape.every((d) => d !== null);
}

/** Infers `model` and counts the node outputs with a complete shape. */
export function measureVision(model: Model): VisionFigures {
  const m = withSymbolicHW(model);
  const r = inferTypes(m);
  let outputs = 0, done = 0;
  for (const id of m.graph.order) {
    for (const o of m.graph.nodes[id]!.outputs) {
      if (o === null) continue;
      outputs++;
      if (complete(r.types.get(o))) done++;
    }
  }
  const graphOutputs = m.graph.outputs.map((o) => {
    const t = r.types.get(o);
    return t?.kind === 'tensor' && t.shape ? `[${t.shape.map((d) => (d === null ? '?' : String(d))).join(',')}]` : '?';
  });
  return { outputs, complete: done, graphOutputs };
}

/**
 * The same measurement before inference knew floor division (main at 5d452f8): every strided
 * Conv or pool lost its spatial dims. Kept to show the change in INFER.md.
 */
export const BEFORE_FLOOR_DIV: Readonly<Record<string, number>> = {
  'resnet50.legacy.onnx': 50,
  'mobilenet_v2.legacy.onnx': 112,
  'efficientnet_b0.legacy.onnx': 158,
  'squeezenet1_1.legacy.onnx': 20,
  'ssdlite320.legacy.onnx': 3568,
  'resnet50.dynamo.onnx': 278,
  'mobilenet_v2.dynamo.onnx': 414,
};

/** The INFER.md section for the measured models (name → figures). */
export function visionSection(figs: ReadonlyMap<string, VisionFigures>): string[] {
  return [
    '## Symbolic image size on the corpus vision skeletons',
    '',
    'Each skeleton\'s image input gets symbolic `H` and `W` (other declared types dropped); the table counts node',
    'outputs whose inferred shape is complete. Spatial dims are floor-division expressions such as `(H+3)//4`',
    '(ir/infer/dims.ts). ssdlite320 resizes to a fixed size inside; its misses are NMS outputs of data-dependent size.',
    '',
    '| model | complete now | before floor division | graph outputs |',
    '|---|---|---|---|',
    ...[...figs].map(([name, f]) => `| ${name} | ${f.complete} / ${f.outputs} | ${BEFORE_FLOOR_DIV[name] ?? '—'} / ${f.outputs} | ${f.graphOutputs.map((o) => `\`${o}\``).join(' ')} |`),
    '',
  ];
}
