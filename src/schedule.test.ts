import { describe, expect, it } from 'vitest';
import { LatheError } from '../ir/error.js';
import { parseModel } from '../ir/text/parse.js';
import type { Model } from '../ir/types.js';
import { definePass } from './pass.js';
import { parsePipeline, printSchedule, runSchedule, type PassRegistry } from './schedule.js';

const model = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) { y = Relu (x) }`);

const idle = definePass({ name: 'idle', summary: 'does nothing', defaults: { times: 1 }, run: (m) => m });
const renamer = definePass({
  name: 'rename-graph',
  summary: 'renames the graph',
  defaults: { to: 'renamed' },
  run: (m, ctx, o): Model => {
    ctx.stats.count('renamed');
    ctx.log.warn(`renaming to ${o.to}`);
    return { ...m, graph: { ...m.graph, name: o.to } };
  },
});
const registry: PassRegistry = { idle, 'rename-graph': renamer };

describe('definePass', () => {
  it('applies defaults and overrides', () => {
    expect(renamer().options).toEqual({ to: 'renamed' });
    expect(renamer({ to: 'x' }).options).toEqual({ to: 'x' });
    expect(renamer().name).toBe('rename-graph');
    expect(renamer.passName).toBe('rename-graph');
  });
});

describe('parsePipeline / runSchedule', () => {
  it('parses names in order and prints them back', () => {
    const s = parsePipeline(' idle , rename-graph', registry);
    expect(printSchedule(s)).toBe('idle,rename-graph');
    expect(printSchedule(parsePipeline('idle', registry))).toBe('idle');
  });
  it('refuses unknown names, listing the known ones', () => {
    expect(() => parsePipeline('idle,fold-constants', registry)).toThrow(LatheError);
    expect(() => parsePipeline('fold-constants', registry)).toThrow("unknown pass 'fold-constants' (known: idle, rename-graph)");
    expect(() => parsePipeline('__proto__', registry)).toThrow(/unknown pass '__proto__'/);
    expect(() => parsePipeline('constructor', registry)).toThrow(/unknown pass 'constructor'/);
    expect(() => parsePipeline('idle,,idle', registry)).toThrow(/empty pass name/);
    expect(() => parsePipeline('x', {})).toThrow(/known: none/);
  });
  it('runs passes in order, keeps identity when idle, collects stats and warnings', () => {
    const quiet = runSchedule(parsePipeline('idle,idle', registry), model);
    expect(quiet.model).toBe(model);
    expect(quiet.changed).toBe(false);
    const seen: string[] = [];
    const r = runSchedule(parsePipeline('idle,rename-graph,rename-graph', registry), model, { onWarn: (w) => seen.push(w) });
    expect(r.changed).toBe(true);
    expect(r.model.graph.name).toBe('renamed');
    expect(r.stats.get('rename-graph/renamed')).toBe(2);
    // the second run of rename-graph finds the same thing to say: said once
    expect(r.warnings).toEqual(['renaming to renamed']);
    expect(seen).toEqual(r.warnings);
  });
  it('verifyEach stops at the first pass that leaves an invalid model, naming it', () => {
    const dropNodes = definePass({
      name: 'drop-nodes',
      summary: 'removes every node (leaves the output undefined)',
      defaults: {},
      run: (m): Model => ({ ...m, graph: { ...m.graph, order: [], nodes: {} } }),
    });
    const reg: PassRegistry = { ...registry, 'drop-nodes': dropNodes };
    const schedule = parsePipeline('rename-graph,drop-nodes,rename-graph', reg);
    expect(() => runSchedule(schedule, model, { verifyEach: true })).toThrow(LatheError);
    expect(() => runSchedule(schedule, model, { verifyEach: true })).toThrow(/^pass 'drop-nodes' made an invalid model: \[[a-z-]+\] main/);
    // without the option the broken model comes back (the caller verifies when it wants)
    expect(runSchedule(schedule, model).model.graph.order).toEqual([]);
    expect(runSchedule(parsePipeline('rename-graph', reg), model, { verifyEach: true }).changed).toBe(true);
  });
});
