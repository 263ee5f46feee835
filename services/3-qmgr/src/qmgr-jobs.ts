// Publishing delivery jobs: one stream message per job, deduplicated by an id
// that names the message, the job and why it was published (first attempt,
// flush, release), so a replayed hand-off never doubles a job.
import type { Bus } from '@postfleet/bus';
import { deliverySubject } from '@postfleet/queue-record';

export interface JobRef {
  queueId: string;
  transport: string;
  job: number;
}

export async function publishJobs(bus: Bus, jobs: JobRef[], reason: string): Promise<void> {
  await Promise.all(
    jobs.map((j) =>
      bus.publish(deliverySubject(j.transport, j.queueId, j.job), new Uint8Array(), {
        msgId: `${j.queueId}.${j.job}.${reason}`,
      }),
    ),
  );
}
