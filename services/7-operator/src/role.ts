// The operator role: Kubernetes operator: resources to runtime configuration (postconf, postmap, reload).
// Shell for now (shellRole starts, logs and stops cleanly); the work lands in
// files named for what they do beside this one.
import { shellRole } from '@postfleet/service-kit';

export const operatorRole = shellRole('operator');
