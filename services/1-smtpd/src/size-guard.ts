// A pass-through that counts message bytes and stops forwarding once
// message_size_limit is passed, while still consuming its input: the client
// is drained to the end of DATA, then answered 552 5.3.4 (as Postfix).
import { Transform, type TransformCallback } from 'node:stream';

export class SizeGuard extends Transform {
  readonly limit: number;
  bytes = 0;
  exceeded = false;
  /** limit 0 means unlimited. */
  constructor(limit: number) {
    super();
    this.limit = limit;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.limit > 0 && this.bytes > this.limit) this.exceeded = true;
    if (this.exceeded) return done();
    done(null, chunk);
  }
}
