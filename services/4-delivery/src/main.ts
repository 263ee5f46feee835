// Entry point of the delivery deployable: one role per process in a cluster.
import { runService } from '@postfleet/service-kit';
import { deliveryRole } from './role.ts';

await runService([deliveryRole]);
