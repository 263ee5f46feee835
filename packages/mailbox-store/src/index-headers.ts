// The header fields of one MIME part that the message index needs, collected while the
// header lines go by: linear in the size of the header (however it is folded), at most
// FIELD_CAP bytes kept of a field, the first occurrence of each field only.
import { isUtf8 } from 'node:buffer';

/** Bytes kept of one header field's value; the rest of an overlong field is ignored. */
export const FIELD_CAP = 64 * 1024;
/** A field name is looked for in this many bytes at the start of a line. */
const NAME_SCAN = 128;

/** The MIME fields every part's BODYSTRUCTURE entry is built from. */
export const MIME_FIELDS: readonly string[] = [
  'content-type',
  'content-transfer-encoding',
  'content-id',
  'content-description',
  'content-disposition',
  'content-language',
  'content-location',
];

/** The fields a message (the top level or an attached message/rfc822) adds: ENVELOPE, SORT. */
export const MESSAGE_FIELDS: readonly string[] = [
  ...MIME_FIELDS,
  'date',
  'subject',
  'from',
  'sender',
  'reply-to',
  'to',
  'cc',
  'bcc',
  'in-reply-to',
  'message-id',
  'references',
];

/** Read access to a part's header fields: unfolded, trimmed, not decoded. */
export interface FieldSource {
  /** The field's value as text (UTF-8, or Latin-1 when the bytes are not UTF-8), or null. */
  text(name: string): string | null;
  /** The byte encoding text() used for the field: how to turn its text back into bytes. */
  encoding(name: string): 'utf8' | 'latin1';
}

interface Field {
  chunks: Buffer[];
  length: number;
}

export class HeaderFields implements FieldSource {
  private readonly wanted: ReadonlySet<string>;
  private readonly fields = new Map<string, Field>();
  /** Fields as read back, unfolded and trimmed (the header is complete by then). */
  private readonly unfolded = new Map<string, Buffer>();
  /** The wanted field the last header line started, which continuation lines extend. */
  private current: Field | null = null;

  constructor(wanted: readonly string[]) {
    this.wanted = new Set(wanted);
  }

  /**
   * Takes a physical header line, or a piece of a long one: lineStart says whether the
   * piece starts a line (and so may start a field, or continue one when it starts with
   * white space) or continues the line of the previous piece.
   */
  add(piece: Buffer, lineStart: boolean): void {
    if (lineStart && piece[0] !== 0x20 && piece[0] !== 0x09) {
      this.current = null;
      const colon = piece.subarray(0, NAME_SCAN).indexOf(0x3a);
      if (colon <= 0) return;
      const name = piece.toString('latin1', 0, colon).trimEnd().toLowerCase();
      if (!this.wanted.has(name) || this.fields.has(name)) return;
      this.current = { chunks: [], length: 0 };
      this.fields.set(name, this.current);
      this.unfolded.delete(name);
      this.append(piece.subarray(colon + 1));
    } else if (this.current) {
      this.append(piece);
    }
  }

  text(name: string): string | null {
    const bytes = this.bytes(name);
    if (bytes === null) return null;
    return bytes.toString(isUtf8(bytes) ? 'utf8' : 'latin1');
  }

  encoding(name: string): 'utf8' | 'latin1' {
    const bytes = this.bytes(name);
    return bytes === null || isUtf8(bytes) ? 'utf8' : 'latin1';
  }

  /** The field unfolded (line breaks removed, the folding white space kept) and trimmed. */
  private bytes(name: string): Buffer | null {
    const known = this.unfolded.get(name);
    if (known) return known;
    const field = this.fields.get(name);
    if (!field) return null;
    const raw = Buffer.concat(field.chunks, field.length);
    const out = Buffer.allocUnsafe(raw.length);
    let length = 0;
    for (const c of raw) if (c !== 0x0d && c !== 0x0a) out[length++] = c;
    let start = 0;
    while (start < length && isBlank(out[start])) start++;
    while (length > start && isBlank(out[length - 1])) length--;
    const value = out.subarray(start, length);
    this.unfolded.set(name, value);
    return value;
  }

  private append(bytes: Buffer): void {
    const field = this.current;
    if (!field) return;
    this.unfolded.clear();
    const room = FIELD_CAP - field.length;
    if (room <= 0 || bytes.length === 0) return;
    // A copy: the piece is a view of an input chunk that should not be kept alive.
    const kept = Buffer.from(bytes.subarray(0, room));
    field.chunks.push(kept);
    field.length += kept.length;
  }
}

function isBlank(c: number | undefined): boolean {
  return c === 0x20 || c === 0x09;
}
