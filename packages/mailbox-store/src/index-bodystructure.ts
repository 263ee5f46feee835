// BODYSTRUCTURE (RFC 3501 §7.4.2, RFC 9051) of a scanned message: each part's Content-*
// fields parsed with libmime (parameters with RFC 2231 continuations joined and decoded),
// with the byte ranges the scanner measured, so FETCH BODY[section] is a ranged blob read.
import libmime from 'libmime';
import type { ImapEnvelope } from './index-envelope.ts';
import type { FieldSource } from './index-headers.ts';
import type { ScannedPart } from './index-scanner.ts';

export interface BodyPart {
  /** Lower-case media type and subtype; text/plain; charset=us-ascii when not given. */
  type: string;
  subtype: string;
  /** Content-Type parameters, names lower-case (RFC 2231 continuations joined and decoded). */
  params: Record<string, string>;
  id: string | null;
  description: string | null;
  /** Lower-case Content-Transfer-Encoding, 7bit when absent or not a token. */
  encoding: string;
  /** Octets of the body as stored (encoded). */
  size: number;
  /** text/* and message/rfc822 (message/global): lines of the body. */
  lines?: number;
  md5: null;
  disposition: { type: string; params: Record<string, string> } | null;
  language: string[] | null;
  location: string | null;
  /** multipart/*: the parts; may be empty (IMAP then shows one empty text/plain part). */
  parts?: BodyPart[];
  /** message/rfc822 and message/global: the attached message. */
  message?: { envelope: ImapEnvelope; body: BodyPart };
  /** Octets of this part's MIME header including the blank line (BODY[n.MIME]). */
  headerSize: number;
  /** Byte offset of this part's header within the whole message. */
  offset: number;
  /** Byte offset of this part's body within the whole message. */
  bodyOffset: number;
}

/** What a part's Content-* header fields say, before the scanner's sizes are known. */
export interface PartContent {
  type: string;
  subtype: string;
  params: Record<string, string>;
  id: string | null;
  description: string | null;
  encoding: string;
  disposition: { type: string; params: Record<string, string> } | null;
  language: string[] | null;
  location: string | null;
}

/** Encodings under which a message/global body is the message itself (RFC 6532 §3.5). */
const IDENTITY_ENCODINGS = new Set(['7bit', '8bit', 'binary']);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const LEADING_TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+/;

/**
 * The Content-* fields of a part. Without a valid Content-Type a part is text/plain;
 * charset=us-ascii (RFC 2045 §5.2); without any, in a multipart/digest, message/rfc822
 * (RFC 2046 §5.1.5). Also the multipart boundary, as the bytes the body will carry.
 */
export function partContent(
  fields: FieldSource,
  digestChild: boolean,
): { content: PartContent; boundary: Buffer | null } {
  const contentType = fields.text('content-type');
  const digestDefault = contentType === null && digestChild;
  let type = digestDefault ? 'message' : 'text';
  let subtype = digestDefault ? 'rfc822' : 'plain';
  let params: Record<string, string> = {};
  let boundary: Buffer | null = null;
  const parsed = contentType === null ? null : parseValue(contentType);
  const slash = parsed ? parsed.value.indexOf('/') : -1;
  if (parsed && slash > 0) {
    const t = parsed.value.slice(0, slash).trim();
    const s = parsed.value.slice(slash + 1).trim();
    if (TOKEN.test(t) && TOKEN.test(s)) {
      type = t;
      subtype = s;
      params = parsed.params;
    }
  }
  if (type === 'text' && params.charset === undefined) params = { ...params, charset: 'us-ascii' };
  if (type === 'multipart' && params.boundary) {
    boundary = Buffer.from(params.boundary, fields.encoding('content-type'));
  }

  const cte = fields.text('content-transfer-encoding')?.toLowerCase().match(LEADING_TOKEN);
  const disposition = fields.text('content-disposition');
  const dispositionValue = disposition === null ? null : parseValue(disposition);
  const dispositionType = dispositionValue?.value.trim() ?? '';
  const language = fields
    .text('content-language')
    ?.split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');

  return {
    content: {
      type,
      subtype,
      params,
      id: fields.text('content-id'),
      description: fields.text('content-description'),
      encoding: cte ? cte[0] : '7bit',
      disposition:
        dispositionValue && TOKEN.test(dispositionType)
          ? { type: dispositionType, params: dispositionValue.params }
          : null,
      language: language && language.length > 0 ? language : null,
      location: fields.text('content-location'),
    },
    boundary,
  };
}

/** Whether a message/rfc822 or message/global part's body is parsed as a message. */
export function isEncapsulated(content: PartContent): boolean {
  if (content.type !== 'message') return false;
  // Like Dovecot, message/rfc822 is parsed whatever its (invalid) transfer encoding.
  if (content.subtype === 'rfc822') return true;
  return content.subtype === 'global' && IDENTITY_ENCODINGS.has(content.encoding);
}

/**
 * A part that says it is a multipart or a message but is kept opaque (too deep, too many
 * parts, no boundary, encoded message/global) is shown as application/octet-stream, as
 * Dovecot does: an IMAP multipart needs parts and a message/rfc822 an envelope.
 */
export function opaque(content: PartContent): PartContent {
  if (content.type !== 'multipart' && !(content.type === 'message' && isMessageType(content)))
    return content;
  return { ...content, type: 'application', subtype: 'octet-stream' };
}

function isMessageType(content: PartContent): boolean {
  return content.subtype === 'rfc822' || content.subtype === 'global';
}

/** The BODYSTRUCTURE tree of a scanned part and everything in it. */
export function bodyStructure(part: ScannedPart): BodyPart {
  const c = part.content;
  const body: BodyPart = {
    type: c.type,
    subtype: c.subtype,
    params: c.params,
    id: c.id,
    description: c.description,
    encoding: c.encoding,
    size: part.size,
    md5: null,
    disposition: c.disposition,
    language: c.language,
    location: c.location,
    headerSize: part.headerSize,
    offset: part.offset,
    bodyOffset: part.bodyOffset,
  };
  if (c.type === 'text' || part.layout === 'message') body.lines = part.lines;
  if (part.layout === 'multipart') {
    body.parts = part.children.map(bodyStructure);
  } else if (part.layout === 'message' && part.message?.envelope) {
    body.message = { envelope: part.message.envelope, body: bodyStructure(part.message) };
  }
  return body;
}

/** A header value and its parameters; names lower-case, RFC 822 comments dropped. */
function parseValue(value: string): { value: string; params: Record<string, string> } {
  const parsed = libmime.parseHeaderValue(value, { stripComments: true });
  // fromEntries defines own properties, so a parameter named __proto__ stays a parameter.
  const params = Object.fromEntries(
    Object.entries(parsed.params).filter(([name]) => name !== ''),
  ) as Record<string, string>;
  return { value: parsed.value.toLowerCase(), params };
}
