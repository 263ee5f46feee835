// The qmgr role: queue manager (qmgr, bounce, defer, postqueue/postsuper).
// Shell for now (shellRole starts, logs and stops cleanly); the work lands in
// files named for what they do beside this one.
import { shellRole } from '@postfleet/service-kit';

export const qmgrRole = shellRole('qmgr');
