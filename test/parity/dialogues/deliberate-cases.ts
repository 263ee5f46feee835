// Dialogues for the deliberate differences of issue 8: bare LF (SMTP smuggling),
// the percent hack and the server's own address literal, and a pregreeting client.
import { CLIENTS } from '../config/zone.ts';
import { cmd, type Dialogue } from '../support/dialogue.ts';

const EHLO = cmd('EHLO client.example.org');
const QUIT = cmd('QUIT');

export function deliberateCases(): Dialogue[] {
  const plain = CLIENTS.plain;
  return [
    {
      id: 'deliberate/bare-lf-command',
      item: 'deliberate',
      client: plain,
      steps: [
        EHLO,
        { label: 'MAIL FROM:<sender@example.org><LF>', send: 'MAIL FROM:<sender@example.org>\n' },
        QUIT,
      ],
    },
    {
      id: 'deliberate/bare-lf-in-data',
      item: 'deliberate',
      client: plain,
      steps: [
        EHLO,
        cmd('MAIL FROM:<sender@example.org>'),
        cmd('RCPT TO:<tom@parity.test>'),
        cmd('DATA'),
        {
          label: '<message with bare LF lines>',
          send: 'Subject: x\r\n\r\nline\nother\r\n.\r\n',
          onlyAfter: '3',
        },
        QUIT,
      ],
    },
    {
      id: 'deliberate/percent-hack',
      item: 'deliberate',
      client: plain,
      steps: [
        EHLO,
        cmd('MAIL FROM:<sender@example.org>'),
        cmd('RCPT TO:<tom%parity.test@parity.test>'),
        QUIT,
      ],
    },
    {
      id: 'deliberate/own-address-literal',
      item: 'deliberate',
      client: plain,
      steps: [EHLO, cmd('MAIL FROM:<sender@example.org>'), cmd('RCPT TO:<tom@[127.0.0.1]>'), QUIT],
    },
    {
      id: 'deliberate/pregreet',
      item: 'deliberate',
      client: plain,
      preGreet: 'EHLO client.example.org\r\n',
      steps: [cmd('NOOP'), QUIT],
    },
  ];
}
