// The delivery role: delivery agents (local, virtual, smtp, lmtp).
// Shell for now (shellRole starts, logs and stops cleanly); the work lands in
// files named for what they do beside this one.
import { shellRole } from '@postfleet/service-kit';

export const deliveryRole = shellRole('delivery');
