// The smtpd role: opens the smtp, submission and submissions listeners with the
// restriction engine, DNS resolver, authd client and TLS material wired in.
import type { RoleDefinition } from '@postfleet/service-kit';
import { loadTlsMaterial, watchTlsMaterial } from '@postfleet/service-kit';
import { resolverFromEnv } from '@postfleet/dns';
import { createAuthClient, type Authenticate } from '@postfleet/queue-record';
import { globalSetting } from '@postfleet/config';
import { createAnvil } from './anvil-bus.ts';
import { createRestrictionEngine } from './restrictions/index.ts';
import { startSmtpdService } from './smtpd-service.ts';
import type { SmtpdDeps } from './smtpd-deps.ts';

/** smtpd's SASL check as a request to authd, PLAIN's authzid included (no master user logins). */
export function authdAuthenticate(auth: Authenticate): SmtpdDeps['authenticate'] {
  return async (mechanism, username, password, client, authzid) => {
    const r = await auth({
      mechanism,
      username,
      password,
      authzid,
      clientAddress: client.address,
      service: client.listener,
    });
    return r.result === 'ok' ? true : r.result === 'tempfail' ? 'tempfail' : false;
  };
}

export const smtpdRole: RoleDefinition = {
  name: 'smtpd',
  ports: ['bus', 'blob'],
  async start(ctx) {
    // read on every use, so a reload of myhostname applies to the next connection
    const hostname = (): string => globalSetting(ctx.config.current().settings, 'myhostname');
    const myhostname = hostname();
    const resolver = resolverFromEnv(ctx.env);
    const auth = createAuthClient(ctx.ports.bus);
    const settings = ctx.config.current().settings;
    const tls = await loadTlsMaterial({
      env: ctx.env,
      dataDir: ctx.ports.dataDir,
      hostname: myhostname,
      certFile: globalSetting(settings, 'smtpd_tls_cert_file'),
      keyFile: globalSetting(settings, 'smtpd_tls_key_file'),
    });
    // per-IP limits hold across smtpd replicas (synchronised through the bus KV)
    const anvil = await createAnvil(ctx.ports.bus);
    const deps: SmtpdDeps = {
      anvil,
      bus: ctx.ports.bus,
      blob: ctx.ports.blob,
      config: () => ctx.config.current(),
      engine: createRestrictionEngine({ resolver, log: ctx.log }),
      resolver,
      authenticate: authdAuthenticate(auth),
      log: ctx.log,
      get myhostname() {
        return hostname();
      },
      listeners: (['smtp', 'submission', 'submissions'] as const).map((name) => ({
        name,
        host: ctx.listen[name].host,
        port: ctx.listen[name].port,
      })),
      tls,
      telemetry: { tracer: ctx.tracer, meter: ctx.meter },
    };
    const service = await startSmtpdService(deps);
    const tlsWatch = watchTlsMaterial(
      tls,
      (next) => {
        try {
          service.updateTls(next);
          ctx.log.info({ cert: next.certPath }, 'TLS certificate reloaded');
        } catch (err) {
          ctx.log.error(
            { err, cert: next.certPath },
            'TLS certificate not reloaded: the old one stays',
          );
        }
      },
      (err) => ctx.log.error({ err }, 'TLS certificate files could not be read'),
      Number(ctx.env.POSTFLEET_TLS_POLL_MS) || undefined,
    );
    return {
      stop: async () => {
        tlsWatch.stop();
        await service.stop();
        await anvil.stop();
      },
      listening: service.addresses().map((a) => `${a.name} ${a.host}:${a.port}`),
    };
  },
};
