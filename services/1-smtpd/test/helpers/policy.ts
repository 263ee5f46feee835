// A complete RuntimeConfig for smtpd tests: Postfix defaults per listener,
// with overrides per test (the real compiler is tested in @postfleet/config).
import {
  policyDefaults,
  type EffectivePolicy,
  type ListenerName,
  type RuntimeConfig,
} from '@postfleet/config';

export function testPolicy(
  listener: ListenerName,
  over: Partial<EffectivePolicy> = {},
): EffectivePolicy {
  // the catalogue defaults (never restated here), then what these tests want different
  return {
    ...structuredClone(policyDefaults),
    source: '(test)',
    mynetworks: ['127.0.0.0/8'],
    smtpd_relay_restrictions: [],
    smtpd_recipient_restrictions: [],
    smtpd_helo_required: true,
    smtpd_tls_security_level: listener === 'smtp' ? 'may' : 'encrypt',
    smtpd_sasl_auth_enable: true,
    smtpd_error_sleep_time: 0,
    ...over,
  };
}

export function testConfig(
  over: Partial<Record<ListenerName, Partial<EffectivePolicy>>> = {},
): RuntimeConfig {
  return {
    version: 'test',
    compiledAt: new Date(0).toISOString(),
    domains: {},
    users: {},
    accessMaps: {},
    addressMaps: {},
    settings: {},
    policies: {
      smtp: testPolicy('smtp', over.smtp),
      submission: testPolicy('submission', over.submission),
      submissions: testPolicy('submissions', over.submissions),
    },
  };
}
