/**
 * The public API of lathe, platform-neutral (runs in a browser on an ArrayBuffer). The Node entry
 * (`node/index.ts`) re-exports all of this plus file loading and saving.
 */
export type * from '../ir/types.js';
export { Blob, memorySource, type ByteSink, type ByteSource } from '../ir/blob.js';
export { LatheError } from '../ir/error.js';
export { DataType, dtypeInfo, dtypeName, dtypeByName } from '../ir/dtype.js';
export { verify, type Diagnostic } from '../ir/verify/verify.js';
export { edit } from '../ir/edit/edit.js';
export { printModel } from '../ir/text/print.js';
export { parseModel } from '../ir/text/parse.js';
export { loadModelFromBytes, saveModelToBytes, type LoadFromBytesOptions } from './io.js';
export { optimize, formatRuleTrace, type OptimizeOptions, type OptimizeResult } from './optimize.js';
export { DEFAULT_LEVEL, LEVEL_PIPELINES, type OptLevel } from './levels.js';
export {
  quantize, formatQuantizeReport, quantizeReportJson, MODE_PASSES, QUANTIZE_MODES,
  type QuantizeMode, type QuantizeOptions, type QuantizeResult, type QuantizeReport, type SampleSource,
} from './quantize/quantize.js';
export { generatedSample, evaluatorRunner, type Sample, type SampleRunner } from './quantize/calibrate.js';
export type { TensorRecord } from './quantize/records.js';
export type { CalibrationMethod, Range } from './quantize/stats.js';
export { setInputShapes, type InputShape } from './input-shapes.js';
export { REPORT_SCHEMA_VERSION, formatReport, reportToJson, type OptimizeReport, type OpChange, type PassSummary, type RuleCount } from './report.js';
export {
  evaluate, readValue, writeValue, readNpy, writeNpy, tensorValue, toTensor,
  type EvaluateOptions, type Inputs, type RtValue, type TensorValue, type SequenceValue, type OptionalValue, type MapValue,
} from '../ir/eval/index.js';
export { standardOps } from '../ir/ops/index.js';
export type { OpDef, OpTable, KernelContext } from '../ir/ops/types.js';
// The pass author's API (PASSES.md): define a pass, edit every graph, run pipelines.
export { editAll, editGraph, type Editor, type Producer, type Consumer, type AddOptions } from '../ir/edit/edit.js';
export { float, floats, type AttrInit, type AttrsInit } from '../ir/attrs.js';
export { definePass, type Pass, type PassContext, type PassFactory, type PassSpec, type PassName, type Invariant } from './pass.js';
export { parsePipeline, printSchedule, seq, repeat, fixpoint, step, type Schedule, type PassRegistry } from './schedule.js';
export { runSchedule, PassFailure, type RunScheduleOptions, type ScheduleResult, type Instrument, type PassRecord, type StopReason } from './runner.js';
export { createAnalyses, type Analyses, type AnalysisResults } from './analyses.js';
export { invariants } from './invariants.js';
export type { GraphPath } from '../ir/walk.js';
export type { RuleTraceEvent, RuleRunOptions } from './pass.js';
// The HTML report (issue 12): one self-contained page, graphs laid out before and after.
export { reportHtml, report, type ReportHtmlInput } from './report-html/index.js';
