// postfleet queue list|show|flush|hold|release|requeue|delete: the mail queue of a
// running Postfleet, cluster-wide (postqueue -p/-f/-s, postcat -q, postsuper
// -h/-H/-r/-d). `list` prints mailq's layout, or JSON with --output json.
import type { Command } from './command.ts';
import { callAdmin, errorText } from '../admin-client.ts';
import type { QueueToolReply, QueueToolRequest } from '@postfleet/queue-record';

interface ListEntry {
  queueId: string;
  queue: string;
  size: number;
  arrival: string;
  sender: string;
  reason: string | null;
  recipients: { address: string; status: string; reply: string | null }[];
}

/** mailq's queue-id marks: * active, ! on hold, # corrupt, none deferred. */
const MARK: Record<string, string> = { active: '*', hold: '!', corrupt: '#', deferred: ' ' };

/** Postfix's arrival format: "Tue Dec  1 10:00:00". */
function arrivalText(iso: string): string {
  const d = new Date(iso);
  const day = d.toUTCString().slice(0, 3);
  const month = d.toUTCString().slice(8, 11);
  const date = String(d.getUTCDate()).padStart(2, ' ');
  return `${day} ${month} ${date} ${d.toISOString().slice(11, 19)}`;
}

export function formatMailq(entries: ListEntry[]): string {
  if (entries.length === 0) return 'Mail queue is empty\n';
  const lines = ['-Queue ID-        --Size-- ----Arrival Time---- -Sender/Recipient-------'];
  let bytes = 0;
  for (const e of entries) {
    bytes += e.size;
    const id = `${e.queueId}${MARK[e.queue] ?? ' '}`.padEnd(17);
    lines.push(
      `${id} ${String(e.size).padStart(8)} ${arrivalText(e.arrival)}  ${e.sender || 'MAILER-DAEMON'}`,
    );
    if (e.reason) lines.push(`${' '.repeat(44)}(${e.reason})`);
    for (const r of e.recipients) {
      if (r.status === 'sent' || r.status === 'discarded') continue;
      if (r.reply && r.status !== 'pending') lines.push(`${' '.repeat(44)}(${r.reply})`);
      lines.push(`${' '.repeat(44)}${r.address}${r.status === 'bounced' ? ' (bounced)' : ''}`);
    }
    lines.push('');
  }
  const n = entries.length;
  lines.push(`-- ${Math.ceil(bytes / 1024)} Kbytes in ${n} Request${n === 1 ? '' : 's'}.`);
  return `${lines.join('\n')}\n`;
}

const usage =
  'queue list [--output json] [QUEUE] | show ID | flush [ID|DOMAIN] | hold|release|requeue ID|ALL | delete ID|ALL|deferred|hold|active|corrupt';

async function ask(req: QueueToolRequest): Promise<QueueToolReply> {
  const res = await callAdmin(process.env, 'POST', '/admin/queue', JSON.stringify(req));
  const body = res.body as unknown as QueueToolReply;
  if (res.status !== 200 && res.status !== 422) throw new Error(errorText(res));
  return body;
}

export const queueCommand: Command = {
  usage: 'queue list|show|flush|hold|release|requeue|delete [ARG]',
  summary: 'inspect and manage the mail queue (postqueue, postsuper, postcat)',
  async run(args) {
    const json = args.includes('--output') && args[args.indexOf('--output') + 1] === 'json';
    const rest = args.filter((a, i) => a !== '--output' && args[i - 1] !== '--output');
    const [op, target] = rest;
    let req: QueueToolRequest | null = null;
    switch (op) {
      case 'list':
        req = { op: 'list', ...(target ? { queue: target } : {}) };
        break;
      case 'show':
        if (target) req = { op: 'show', queueId: target };
        break;
      case 'flush':
        req = { op: 'flush', ...(target ? { target } : {}) };
        break;
      case 'hold':
      case 'release':
      case 'requeue':
      case 'delete':
        if (target) req = { op, target };
        break;
    }
    if (!req) {
      process.stderr.write(`usage: postfleet ${usage}\n`);
      return 2;
    }
    const reply = await ask(req);
    if (!reply.ok) {
      process.stderr.write(`postfleet queue: ${reply.text}\n`);
      return 1;
    }
    if (json) process.stdout.write(`${JSON.stringify(reply.data ?? null, null, 2)}\n`);
    else if (req.op === 'list') process.stdout.write(formatMailq(reply.data as ListEntry[]));
    else if (req.op === 'show') {
      const d = reply.data as {
        message: {
          queueId: string;
          sender: string;
          size: number;
          arrival: string;
          queueName: string;
        };
        recipients: { address: string; status: string; reply: string | null }[];
        content: string;
      };
      const out = [
        `*** ENVELOPE RECORDS ${d.message.queueId} ***`,
        `queue: ${d.message.queueName}`,
        `message_size: ${d.message.size}`,
        `message_arrival_time: ${new Date(d.message.arrival).toUTCString()}`,
        `sender: ${d.message.sender}`,
        ...d.recipients.map(
          (r) => `recipient: ${r.address} (${r.status}${r.reply ? `: ${r.reply}` : ''})`,
        ),
        `*** MESSAGE CONTENTS ${d.message.queueId} ***`,
        d.content.replace(/\r\n/g, '\n'),
        `*** END OF MESSAGE ***`,
      ];
      process.stdout.write(`${out.join('\n')}\n`);
    } else process.stdout.write(`${reply.text}\n`);
    return 0;
  },
};
