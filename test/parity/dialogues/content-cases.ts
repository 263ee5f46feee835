// Message content dialogues: header_checks and body_checks (primary, folded, MIME
// part and attached-message headers), DISCARD/HOLD actions, and plain bodies with
// dot-stuffing, 8-bit text or no body, from a trusted and an untrusted client.
import { CLIENTS } from '../config/zone.ts';
import { envelope, message, type Dialogue } from '../support/dialogue.ts';

const mime = (partHeaders: string[], partBody: string): string =>
  message(
    ['MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b1"'],
    [
      '--b1',
      'Content-Type: text/plain',
      '',
      'see attachment',
      '--b1',
      ...partHeaders,
      '',
      partBody,
      '--b1--',
      '',
    ].join('\n'),
  );

const MESSAGES: [id: string, text: string][] = [
  ['clean', message()],
  ['subject-reject', message([]).replace('Subject: parity test', 'Subject: cheap viagra now')],
  [
    'folded-subject-reject',
    message([]).replace('Subject: parity test', 'Subject: cheap\n\tviagra now'),
  ],
  ['header-discard', message(['X-Drop-Me: yes'])],
  ['header-hold', message(['X-Hold-Me: yes'])],
  ['body-reject', message([], 'hello\nbuy cheap pills here\nbye\n')],
  ['body-discard', message([], 'hello\ndrop this message\n')],
  ['body-almost-discard', message([], 'hello\nplease drop this message\n')],
  [
    'mime-part-header-reject',
    mime(['Content-Type: application/octet-stream; name="run.exe"'], 'AAAA'),
  ],
  [
    'mime-part-disposition-reject',
    mime(
      [
        'Content-Type: application/octet-stream',
        'Content-Disposition: attachment; filename="x"; name=run.exe',
      ],
      'AAAA',
    ),
  ],
  ['mime-part-clean', mime(['Content-Type: text/plain; name="notes.txt"'], 'notes')],
  [
    'nested-message-subject-reject',
    mime(
      ['Content-Type: message/rfc822'],
      'Subject: viagra inside\nFrom: a@b.example\n\ninner body',
    ),
  ],
  [
    'dot-stuffed',
    message([], 'line one\n..a line starting with a dot\n.\n'.replace(/\n\.\n$/, '\n')),
  ],
  ['eight-bit-body', message(['Content-Type: text/plain; charset=utf-8'], 'gr\u00fc\u00dfe\n')],
  ['headers-only', 'From: <sender@example.org>\nSubject: no body\n'],
  ['no-headers', 'just a body line\n'],
  ['long-header', message([`X-Long: ${'x'.repeat(1500)}`])],
];

export function contentCases(): Dialogue[] {
  const out: Dialogue[] = [];
  for (const [client, name] of [
    [CLIENTS.trusted, 'trusted'],
    [CLIENTS.plain, 'plain'],
  ] as const)
    for (const [id, text] of MESSAGES)
      out.push({
        id: `content/${id}/${name}`,
        item: 'baseline',
        client,
        steps: envelope({ to: ['<tom@parity.test>'], message: text }),
      });
  return out;
}
