/**
 * Schedules (DESIGN.md "Schedules"): the data and its text form (pipeline.ts) and the runner
 * (runner.ts), in one module for callers. runner.ts imports pipeline.ts, never this file, so
 * there is no import cycle.
 */
export * from './pipeline.js';
export { runSchedule, PassFailure, type RunScheduleOptions, type ScheduleResult, type StopReason, type PassRecord, type Instrument, type PassEvent, type FailureKind } from './runner.js';
