// Entry point of the qmgr deployable: one role per process in a cluster.
import { runService } from '@postfleet/service-kit';
import { qmgrRole } from './role.ts';

await runService([qmgrRole]);
