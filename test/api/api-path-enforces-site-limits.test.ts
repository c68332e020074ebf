import * as http from 'http';
import { targets } from '../../app';
import { apiImage, siteImage } from '../../config/image-config';
import { NginxServer } from '../image/support/nginx';
import { appObjects, Obj } from '../support/synth';
import { ApiProcess, killApi, startApi } from './support';

// The path a target's manifests send /api along, run for real: the target is synthesized, the
// way in is followed from its Ingress (or its NodePort Service) to the pods behind it, and those
// pods' nginx runs here with exactly the config files the manifests mount into it (the shipped
// docker/nginx.conf, the generated api-proxy.conf and real-ip.conf), in front of the real API
// (services/api/server.js), each on 127.0.0.1 on a port the OS picks.
//
// Two substitutions, both to addresses on this machine, and nothing else: the proxy's upstream
// (the API's Service name) becomes the API started here; and behind an ingress, the trusted
// proxy (the cluster's pod network, where the ingress controller's pods are) becomes 127.0.0.1,
// the address the test's "ingress" connects from, which forwards each client's address in
// X-Forwarded-For as ingress-nginx and Traefik do. Without an ingress (a NodePort target) the
// clients connect from their own loopback addresses.
jest.setTimeout(60000);

const env = { SITE_IMAGE: '', API_IMAGE: '' };
/** Client addresses: documentation addresses behind an ingress (header values only), loopback ones otherwise. */
const BEHIND_INGRESS = { attacker: '198.51.100.66', ordinary: '198.51.100.3' };
const DIRECT = { attacker: '127.0.0.2', ordinary: '127.0.0.3' };
const SITE_D = '/etc/nginx/mincloud/site.d';
const HTTP_D = '/etc/nginx/mincloud/http.d';

function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  return selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** The workloads whose first container runs `image`. */
function workloads(objects: Obj[], image: string): Obj[] {
  return objects.filter((o) => (o.kind === 'Deployment' || o.apiVersion === 'serving.knative.dev/v1') && o.spec.template.spec.containers[0].image === image);
}

/** The one workload whose first container runs `image`, with its pod labels. */
function workload(objects: Obj[], image: string) {
  const found = workloads(objects, image);
  if (found.length !== 1) throw new Error(`expected one workload running ${image}, found ${found.length}`);
  return { object: found[0], labels: { ...found[0].metadata.labels, ...found[0].spec.template.metadata?.labels } as Record<string, string> };
}

/** What the target's manifests say about the way to /api/. */
function apiPath(name: string) {
  const objects = appObjects(name, env);
  const services = objects.filter((o) => o.kind === 'Service' && o.apiVersion === 'v1');
  // The way in: the Ingress path that takes /api/info (the longest matching prefix), or the
  // IngressRoute rule that does; without either, the Service that takes traffic from outside.
  const ingress = objects.find((o) => o.kind === 'Ingress');
  const routes = objects.filter((o) => o.kind === 'IngressRoute').flatMap((r) => r.spec.routes);
  let entry: string;
  if (ingress) {
    const paths = ingress.spec.rules.flatMap((r: any) => r.http.paths).filter((p: any) => '/api/info'.startsWith(p.path));
    paths.sort((a: any, b: any) => b.path.length - a.path.length);
    entry = paths[0].backend.service.name;
  } else if (routes.length > 0) {
    const rules = routes.filter((r: any) => r.services[0].kind === 'Service')
      .map((r: any) => ({ prefix: /PathPrefix\(`([^`]*)`\)/.exec(r.match)![1], service: r.services[0].name }))
      .filter((r: any) => '/api/info'.startsWith(r.prefix));
    rules.sort((a: any, b: any) => b.prefix.length - a.prefix.length);
    entry = rules[0].service;
  } else {
    const external = services.filter((s) => ['NodePort', 'LoadBalancer'].includes(s.spec.type));
    if (external.length !== 1) throw new Error(`target ${name}: expected one Service taking traffic from outside, found ${external.length}`);
    entry = external[0].metadata.name;
  }
  const entryService = services.find((s) => s.metadata.name === entry)!;
  // Other services may run the site image too: the way in must reach one of them.
  const siteWorkloads = workloads(objects, siteImage(env).toString());
  const api = workload(objects, apiImage(env).toString());
  // The pods the way in reaches, and the files mounted into their nginx's include folders.
  const pods = objects.filter((o) => o.kind === 'Deployment' && selects(entryService.spec.selector, { ...o.spec.template.metadata.labels }));
  const spec = pods[0]?.spec.template.spec;
  const includes: Record<string, Record<string, string>> = { [SITE_D]: {}, [HTTP_D]: {} };
  for (const mount of spec?.containers[0].volumeMounts ?? []) {
    const volume = spec.volumes.find((v: any) => v.name === mount.name);
    if (!volume?.configMap) continue;
    const data = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === volume.configMap.name)!.data;
    if (!includes[mount.mountPath]) throw new Error(`target ${name}: config mounted at ${mount.mountPath}, which this test does not know how to place`);
    Object.assign(includes[mount.mountPath], data);
  }
  // The API's address as the site knows it: its Service (ClusterIP), or a Knative Service's
  // cluster-local name.
  const apiService = api.object.apiVersion === 'serving.knative.dev/v1'
    ? `${api.object.metadata.name}.${api.object.metadata.namespace}.svc.cluster.local`
    : services.find((s) => selects(s.spec.selector, api.labels))!.metadata.name;
  return { pods, siteWorkloads, entryService, includes, apiService, behindIngress: ingress !== undefined || routes.length > 0 };
}

interface Answer { status: number; body: string }

/** Resolves once `condition` holds, polled every 20 ms; rejects with `what` after `ms`. */
async function until(condition: () => boolean, what: string, ms = 10000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One request on its own connection: from `from`, or through the "ingress" (127.0.0.1, X-Forwarded-For). */
function send(url: string, client: { from?: string; forwardedFor?: string }, opts: { method?: string; headers?: Record<string, string>; body?: Buffer } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = {
      ...opts.headers,
      // Said explicitly: Node sends a GET's body without announcing it.
      ...(opts.body ? { 'content-length': String(opts.body.length) } : {}),
      ...(client.forwardedFor ? { 'x-forwarded-for': client.forwardedFor, 'x-forwarded-proto': 'https' } : {}) };
    const req = http.request(url, { method: opts.method ?? 'GET', headers, agent: false, localAddress: client.from ?? '127.0.0.1' }, (res) => {
      let body = '';
      res.setEncoding('utf-8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.setTimeout(15000, () => req.destroy(new Error(`${url}: no answer in 15 s`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

const withApi = targets.filter((t) => t.api).map((t) => t.name);

describe.each(withApi)('target %s: /api as its manifests route it', (name) => {
  const path = apiPath(name);
  const client = (who: 'attacker' | 'ordinary') => (path.behindIngress ? { forwardedFor: BEHIND_INGRESS[who] } : { from: DIRECT[who] });
  let api: ApiProcess;
  let slowApi: ApiProcess;
  let nginx: NginxServer;
  let slowNginx: NginxServer;

  /** The site's nginx with the mounted files, proxying to `upstream` (the API started here). */
  function startSite(upstream: ApiProcess): Promise<NginxServer> {
    const siteIncludes: Record<string, string> = {};
    for (const [file, text] of Object.entries(path.includes[SITE_D])) {
      const proxy = new RegExp(`proxy_pass http://${path.apiService.replace(/\./g, '\\.')}(:\\d+)?;`, 'g');
      siteIncludes[file] = text.replace(proxy, `proxy_pass http://127.0.0.1:${upstream.port};`);
    }
    const httpIncludes: Record<string, string> = {};
    for (const [file, text] of Object.entries(path.includes[HTTP_D])) {
      httpIncludes[file] = text.replace(/^set_real_ip_from \S+;$/gm, 'set_real_ip_from 127.0.0.1;');
    }
    return NginxServer.start({ siteIncludes, httpIncludes });
  }

  beforeAll(async () => {
    api = await startApi();
    // Answers held back 1.5 s (a setting for tests only), so requests are surely in flight at once.
    slowApi = await startApi({ API_TEST_DELAY_MS: '1500' });
    nginx = await startSite(api);
    slowNginx = await startSite(slowApi);
  });
  afterAll(async () => {
    await nginx?.stop();
    await slowNginx?.stop();
    await killApi(api);
    await killApi(slowApi);
  });

  /** The API's access log lines so far (probes are not logged). */
  const reached = (server: ApiProcess) => server.lines().filter((l) => l.msg === 'request');

  test('the way in is the site: its pods run the site image and mount the /api proxy, which points at the API', () => {
    expect(path.pods).toHaveLength(1);
    expect(path.siteWorkloads).toContain(path.pods[0]);
    const proxies = Object.values(path.includes[SITE_D]).filter((text) => /^location \/api\/ \{$/m.test(text));
    expect(proxies).toHaveLength(1);
    expect(proxies[0]).toMatch(new RegExp(`proxy_pass http://${path.apiService.replace(/\./g, '\\.')}(:\\d+)?;`));
    if (path.behindIngress) expect(Object.keys(path.includes[HTTP_D])).toEqual(['real-ip.conf']);
  });

  test('it reaches the API', async () => {
    const r = await send(`${nginx.url}/api/info`, client('ordinary'));
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ service: 'api' });
  });

  test('requests per second: a client over its rate gets 429 and never reaches the API; another client is served', async () => {
    // The attacker's own path, so its requests can be counted in the API's log.
    const attackerLines = () => reached(api).filter((l) => l.path === '/api/greeting').length;
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await send(`${nginx.url}/api/greeting?name=n${i}`, client('attacker'))).status);
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    // Every 200 was the API's answer, and no 429 reached it.
    const served = statuses.filter((s) => s === 200).length;
    await until(() => attackerLines() >= served, 'the API logged every request it answered');
    expect(attackerLines()).toBe(served);
    const ordinary = [];
    for (let i = 0; i < 5; i++) ordinary.push((await send(`${nginx.url}/api/info`, client('ordinary'))).status);
    expect(ordinary).toEqual([200, 200, 200, 200, 200]);
  });

  test('requests at once: a client over its share gets 429 at once while its others are in flight; another client is served', async () => {
    const attacker = Array.from({ length: 9 }, (_unused, i) => send(`${slowNginx.url}/api/info?held=${i}`, client('attacker')));
    // The first ones are in flight once the API has logged their delay.
    await until(() => slowApi.lines().filter((l) => l.msg === 'test delay').length >= 5, 'five of the attacker\'s requests are in flight at the API');
    const ordinary = await send(`${slowNginx.url}/api/info`, client('ordinary'));
    const statuses = (await Promise.all(attacker)).map((r) => r.status);
    expect(ordinary.status).toBe(200);
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s === 200).length).toBeLessThan(9);
  });

  test('methods: only GET and HEAD reach the API; anything else is 405 at the site', async () => {
    const before = reached(api).length;
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      expect([method, (await send(`${nginx.url}/api/info`, client('ordinary'), { method })).status]).toEqual([method, 405]);
    }
    await send(`${nginx.url}/api/info`, client('ordinary'));
    await until(() => reached(api).length > before, 'the API logged the next request');
    expect(reached(api).slice(before).map((l) => l.method)).toEqual(['GET']);
  });

  test('bodies: a large body is refused at the site (413) before the API sees the request', async () => {
    const before = reached(api).length;
    const r = await send(`${nginx.url}/api/info`, client('ordinary'), { body: Buffer.alloc(1024 * 1024, 'a'), headers: { 'content-type': 'application/octet-stream' } });
    expect(r.status).toBe(413);
    // A request the API answers after this one is logged; the refused one never is.
    await send(`${nginx.url}/api/info`, client('ordinary'));
    await until(() => reached(api).length > before, 'the API logged the next request');
    expect(reached(api).slice(before).map((l) => l.status)).toEqual([200]);
  });

  test('headers: the API gets the site\'s request id and a trace the site started, not what the client claimed', async () => {
    const before = reached(api).length;
    await send(`${nginx.url}/api/info`, client('ordinary'), { headers: { 'x-request-id': 'client-chosen', traceparent: 'not-a-trace' } });
    await until(() => reached(api).length > before, 'the API logged the request');
    const line = reached(api).at(-1);
    expect(line.request_id).toMatch(/^[0-9a-f]{32}$/);
    expect(line.trace_id).toBe(line.request_id);
  });
});
