/**
 * Messages between the page (main.ts) and its worker (worker.ts). The model's bytes go to the
 * worker and the optimized bytes come back, both transferred (not copied); nothing else sees them.
 */
import type { ReportView } from './show-report.js';

/** Page → worker. */
export type Request =
  | {
      readonly type: 'open';
      /** The model file's name, as the CLI would name it in messages. */
      readonly name: string;
      readonly bytes: ArrayBuffer;
      /** Files picked beside the model: external data candidates, by file name. */
      readonly data: readonly { readonly name: string; readonly bytes: ArrayBuffer }[];
    }
  | {
      readonly type: 'optimize';
      /** `-O0`, `-O1` or `-O2`, ignored when `pipeline` is given. */
      readonly level: 0 | 1 | 2;
      /** `--passes` text, or undefined for the level. */
      readonly pipeline?: string;
      /** `--set-input-shape` entries (`NAME=D0,D1,...`). */
      readonly shapes: readonly string[];
    };

/** Worker → page. */
export type Reply =
  | { readonly type: 'opened'; readonly name: string; readonly inspect: string }
  | { readonly type: 'progress'; readonly fraction: number; readonly label: string }
  | {
      readonly type: 'optimized';
      /** Suggested download name (`model.opt.onnx`). */
      readonly name: string;
      readonly bytes: ArrayBuffer;
      /** Milliseconds from the request to the saved bytes (load excluded: the model was open). */
      readonly ms: number;
    }
  /** The report of the last optimization, sent after its bytes (laying out the graphs takes a while). */
  | { readonly type: 'report'; readonly report: ReportView }
  /** A bad file or bad options: the line the CLI prints. */
  | { readonly type: 'error'; readonly message: string };
