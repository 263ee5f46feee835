// BDAT (RFC 3030 CHUNKING): every chunk with a readable size is read in full before
// its answer, so chunk bytes are never commands; Postfix's 503/554 gates, data
// restrictions at the first chunk, message_size_limit across chunks (552 5.3.4).
import { clientName, resetTransaction } from './session-state.ts';
import type { MessageUpload, StartUpload } from './message-delivery.ts';
import { contentGate, dataStage, finishMessage } from './on-data.ts';
import { reply, type SmtpReplyError } from './smtp-reply.ts';
import type { SmtpSession, VerbHandler } from './smtp-session.ts';
import type { VerbDeps } from './verb-deps.ts';

const SYNTAX = /^(\d{1,15})(?:\s+(LAST))?\s*$/i;

interface Chunked {
  upload: MessageUpload | null;
  /** The reply every later chunk of this transaction gets, once one failed. */
  failed: SmtpReplyError | null;
  total: number;
}

export function createOnBdat(deps: VerbDeps, startUpload: StartUpload): VerbHandler {
  const discard = (): undefined => undefined;

  /** Read and drop the chunk, then answer; the transaction ends at LAST. */
  async function refuse(s: SmtpSession, size: number, last: boolean, r: SmtpReplyError) {
    if (!(await s.readExact(size, discard))) return lost(s);
    if (last) resetTransaction(s.ctx);
    s.reply(r.responseCode, r.message);
  }

  function lost(s: SmtpSession): void {
    s.ctx.log.info({ event: 'lost' }, `lost connection after BDAT from ${clientName(s.ctx)}`);
    resetTransaction(s.ctx);
  }

  const state = new WeakMap<object, Chunked>();

  return async (s, args) => {
    const ctx = s.ctx;
    const m = SYNTAX.exec(args.trim());
    if (!m) {
      // without a size the chunk cannot be told from commands: end the session
      s.reply(501, '5.5.4 Syntax: BDAT count [LAST]');
      s.close();
      return;
    }
    const size = Number(m[1]);
    const last = m[2] !== undefined;
    const gate = contentGate(s, 'BDAT');
    if (gate) return refuse(s, size, false, gate);
    const tx = ctx.tx;
    if (!tx) return;
    if (tx.content === 'DATA')
      return refuse(s, size, false, reply(503, '5.5.1', 'Error: BDAT after DATA'));
    let st = state.get(tx);
    if (!st) {
      st = { upload: null, failed: null, total: 0 };
      state.set(tx, st);
      tx.content = 'BDAT';
      st.failed = await dataStage(deps, s);
      if (!st.failed) {
        const upload = startUpload(ctx, tx);
        st.upload = upload;
        tx.release = () => {
          upload.abort(false).catch(() => undefined);
        };
      }
    }
    st.total += size;
    const limit = ctx.policy.message_size_limit;
    if (!st.failed && limit > 0 && st.total > limit) {
      ctx.log.warn(
        `warning: ${tx.queueId ?? 'NOQUEUE'}: ${clientName(ctx)}: message size ${st.total} exceeds limit ${limit}`,
      );
      st.failed = reply(552, '5.3.4', 'Message size exceeds fixed limit');
      const upload = st.upload;
      st.upload = null;
      if (upload) await upload.abort(false);
    }
    if (st.failed || !st.upload) {
      return refuse(
        s,
        size,
        last,
        st.failed ?? reply(451, '4.3.0', 'Error: queue file write error'),
      );
    }
    const upload = st.upload;
    if (!(await s.readExact(size, (chunk) => upload.write(chunk)))) {
      lost(s);
      return;
    }
    if (!last) {
      s.reply(250, `2.0.0 Ok: ${size} bytes`);
      return;
    }
    tx.release = undefined;
    await finishMessage(s, () => upload.finish('END-OF-MESSAGE'));
  };
}
