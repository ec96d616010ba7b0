/**
 * The page: picks a model (and its external data files), hands them to the worker, and shows what
 * comes back: the inspect summary, progress, the report, the optimized model as a download, or
 * the CLI's one-line message for a bad file. The page itself never parses a model and never sends
 * one anywhere (the worker answers through postMessage only).
 */
import type { Reply, Request } from './protocol.js';
import { showReport } from './show-report.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const drop = $<HTMLLabelElement>('drop');
const fileInput = $<HTMLInputElement>('file');
const errorBox = $<HTMLParagraphElement>('error');
const modelCard = $<HTMLElement>('model');
const optionsCard = $<HTMLElement>('options');
const resultCard = $<HTMLElement>('result');
const runButton = $<HTMLButtonElement>('run');
const progress = $<HTMLProgressElement>('progress');
const status = $<HTMLSpanElement>('status');
const download = $<HTMLAnchorElement>('download');

const worker = new Worker('worker.js');
let busy = false;
let downloadUrl: string | undefined;

function send(req: Request, transfer: Transferable[] = []): void {
  worker.postMessage(req, transfer);
}

function showError(message: string | undefined): void {
  errorBox.hidden = message === undefined;
  errorBox.textContent = message ?? '';
}

function setBusy(b: boolean): void {
  busy = b;
  runButton.disabled = b;
  fileInput.disabled = b;
  document.body.dataset.state = b ? 'busy' : 'idle';
}

/** The model among the picked files (the first `.onnx`, else the first file) and the rest as data files. */
async function openFiles(files: readonly File[]): Promise<void> {
  if (files.length === 0 || busy) return;
  const model = files.find((f) => /\.onnx$/i.test(f.name)) ?? files[0]!;
  const rest = files.filter((f) => f !== model);
  showError(undefined);
  modelCard.hidden = optionsCard.hidden = resultCard.hidden = true;
  setBusy(true);
  status.textContent = `reading ${model.name}`;
  const bytes = await model.arrayBuffer();
  const data = await Promise.all(rest.map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() })));
  send({ type: 'open', name: model.name, bytes, data }, [bytes, ...data.map((d) => d.bytes)]);
}

function chosenOptions(): Extract<Request, { type: 'optimize' }> {
  const level = (document.querySelector('input[name=level]:checked') as HTMLInputElement).value;
  const shapes = $<HTMLTextAreaElement>('shapes').value.split('\n').map((s) => s.trim()).filter((s) => s !== '');
  if (level === 'pipeline') return { type: 'optimize', level: 2, pipeline: $<HTMLInputElement>('pipeline').value, shapes };
  return { type: 'optimize', level: Number(level) as 0 | 1 | 2, shapes };
}

worker.onmessage = (e: MessageEvent<Reply>) => {
  const r = e.data;
  switch (r.type) {
    case 'opened':
      setBusy(false);
      status.textContent = '';
      progress.value = 0;
      $<HTMLPreElement>('inspect').textContent = r.inspect;
      modelCard.hidden = optionsCard.hidden = false;
      return;
    case 'progress':
      progress.value = r.fraction;
      status.textContent = r.label;
      return;
    case 'optimized': {
      setBusy(false);
      if (downloadUrl) URL.revokeObjectURL(downloadUrl);
      downloadUrl = URL.createObjectURL(new Blob([r.bytes], { type: 'application/octet-stream' }));
      download.href = downloadUrl;
      download.download = r.name;
      download.textContent = `Download ${r.name} (${r.bytes.byteLength.toLocaleString('en')} bytes)`;
      $<HTMLSpanElement>('elapsed').textContent = `optimized in ${(r.ms / 1000).toFixed(2)} s`;
      $<HTMLDivElement>('report').textContent = 'laying out the report…';
      delete document.body.dataset.report;
      resultCard.hidden = false;
      document.body.dataset.state = 'done';
      return;
    }
    case 'report':
      showReport($<HTMLDivElement>('report'), r.report);
      document.body.dataset.report = 'shown';
      return;
    case 'error':
      setBusy(false);
      progress.value = 0;
      status.textContent = '';
      showError(r.message);
      document.body.dataset.state = 'error';
      return;
  }
};

worker.onerror = (e) => {
  setBusy(false);
  showError(`lathe: internal error: ${e.message}`);
  document.body.dataset.state = 'error';
};

runButton.addEventListener('click', () => {
  if (busy) return;
  showError(undefined);
  resultCard.hidden = true;
  setBusy(true);
  send(chosenOptions());
});
fileInput.addEventListener('change', () => void openFiles([...(fileInput.files ?? [])]));
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  void openFiles([...(e.dataTransfer?.files ?? [])]);
});
document.body.dataset.state = 'idle';
