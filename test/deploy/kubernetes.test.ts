/**
 * Every manifest in deploy/kubernetes/ against the Kubernetes API schemas (kubernetes-models),
 * plus a check the schemas do not make: every field name is one Kubernetes knows, so a typo such
 * as `imagePullPolicyy` fails here and not at `kubectl apply`. Then what the CronJob must do.
 */
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { CronJob } from 'kubernetes-models/batch/v1'
import { PersistentVolumeClaim, Secret } from 'kubernetes-models/v1'
import { parseAllDocuments } from 'yaml'

const DIR = 'deploy/kubernetes'
const SCHEMAS = [
  'node_modules/kubernetes-models/_schemas',
  'node_modules/@kubernetes-models/apimachinery/_schemas',
]

type Doc = Record<string, unknown> & { apiVersion?: string; kind?: string }

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'batch/v1 CronJob': CronJob,
  'v1 PersistentVolumeClaim': PersistentVolumeClaim,
  'v1 Secret': Secret,
}

/** Every property name the compiled schemas validate: the vocabulary of Kubernetes fields. */
function knownFields(): Set<string> {
  const names = new Set<string>()
  for (const dir of SCHEMAS)
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.js')))
      for (const m of readFileSync(join(dir, file), 'utf8').matchAll(
        /parentDataProperty:"([^"]+)"|missingProperty:"([^"]+)"/g,
      ))
        names.add(m[1] ?? m[2] ?? '')
  return names
}

/** Maps whose keys are the user's own (labels, Secret data, resource names …), not fields. */
const FREE_FORM = new Set(['labels', 'annotations', 'data', 'stringData', 'requests', 'limits'])

function unknownFields(value: unknown, known: Set<string>, path: string): string[] {
  if (Array.isArray(value))
    return value.flatMap((v, i) => unknownFields(v, known, `${path}[${String(i)}]`))
  if (typeof value !== 'object' || value === null) return []
  return Object.entries(value).flatMap(([key, v]) => [
    ...(known.has(key) ? [] : [`${path}.${key}`]),
    ...(FREE_FORM.has(key) ? [] : unknownFields(v, known, `${path}.${key}`)),
  ])
}

function manifests(): { file: string; doc: Doc }[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((d) => {
        assert.deepEqual(d.errors, [], file)
        return { file, doc: d.toJS() as Doc }
      }),
    )
}

const KNOWN = knownFields()

function validate(doc: Doc): void {
  const Model = MODELS[`${doc.apiVersion ?? ''} ${doc.kind ?? ''}`]
  assert.ok(Model, `no schema for ${String(doc.apiVersion)} ${String(doc.kind)}`)
  new Model(doc as never).validate()
  const unknown = unknownFields(doc, KNOWN, doc.kind ?? '')
  assert.deepEqual(unknown, [], `fields Kubernetes does not know: ${unknown.join(', ')}`)
}

interface Container {
  args: string[]
  envFrom: { secretRef: { name: string } }[]
  resources: { requests: Record<string, string>; limits: Record<string, string> }
  securityContext: { readOnlyRootFilesystem: boolean; allowPrivilegeEscalation: boolean }
  volumeMounts: { name: string; mountPath: string }[]
}
interface PodSpec {
  securityContext: { runAsNonRoot: boolean; runAsUser: number }
  containers: Container[]
  volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[]
}

describe('deploy/kubernetes', () => {
  const all = manifests()

  it('holds the CronJob, its PersistentVolumeClaim and the example Secret', () => {
    assert.deepEqual(all.map((m) => `${m.file}: ${String(m.doc.kind)}`).sort(), [
      'cronjob.yaml: CronJob',
      'pvc.yaml: PersistentVolumeClaim',
      'secret.example.yaml: Secret',
    ])
  })

  for (const { file, doc } of all)
    it(`${file} (${String(doc.kind)}) is valid against the Kubernetes schemas`, () => {
      validate(doc)
    })

  it('rejects typos: a misspelt field, a wrong enum value, a wrong type', () => {
    const cronjob = all.find((m) => m.doc.kind === 'CronJob')?.doc
    assert.ok(cronjob)
    const spec = (d: Doc) => d.spec as Record<string, unknown>
    const pod = (d: Doc) =>
      (spec(d).jobTemplate as { spec: { template: { spec: PodSpec } } }).spec.template.spec
    const typos: ((d: Doc) => void)[] = [
      (d) => {
        spec(d).schedulee = spec(d).schedule
      },
      (d) => {
        Object.assign(pod(d).containers[0] ?? {}, { imagePullPolicyy: 'Always' })
      },
      (d) => {
        spec(d).concurrencyPolicy = 'forbid'
      },
      (d) => {
        Object.assign(pod(d).securityContext, { runAsNonRoot: 'yes' })
      },
    ]
    for (const typo of typos) {
      const copy = structuredClone(cronjob)
      typo(copy)
      assert.throws(() => {
        validate(copy)
      }, typo.toString())
    }
  })

  it('runs one at a time, non-root, read-only, sized, config on the PVC, THREATQ_* from the Secret', () => {
    const cronjob = all.find((m) => m.doc.kind === 'CronJob')?.doc as unknown as {
      spec: { concurrencyPolicy: string; jobTemplate: { spec: { template: { spec: PodSpec } } } }
    }
    const pvc = all.find((m) => m.doc.kind === 'PersistentVolumeClaim')?.doc as {
      metadata: { name: string }
    }
    const secret = all.find((m) => m.doc.kind === 'Secret')?.doc as {
      metadata: { name: string }
      stringData: Record<string, string>
    }
    assert.equal(cronjob.spec.concurrencyPolicy, 'Forbid')
    const pod = cronjob.spec.jobTemplate.spec.template.spec
    assert.equal(pod.securityContext.runAsNonRoot, true)
    assert.ok(pod.securityContext.runAsUser > 0)
    const [container] = pod.containers
    assert.ok(container)
    assert.equal(container.securityContext.readOnlyRootFilesystem, true)
    assert.equal(container.securityContext.allowPrivilegeEscalation, false)
    // Sized from docs/benchmarks.md (the test below holds the number).
    assert.equal(container.resources.requests.memory, '320Mi')
    assert.ok(container.resources.requests.cpu)
    assert.equal(container.resources.limits.memory, '384Mi')
    assert.ok(container.args.includes('--config=/config'))
    assert.ok(container.args.includes('--non-interactive'))
    const config = container.volumeMounts.find((v) => v.mountPath === '/config')
    const volume = pod.volumes.find((v) => v.name === config?.name)
    assert.equal(volume?.persistentVolumeClaim?.claimName, pvc.metadata.name)
    assert.deepEqual(
      container.envFrom.map((e) => e.secretRef.name),
      [secret.metadata.name],
    )
    assert.deepEqual(Object.keys(secret.stringData).sort(), [
      'THREATQ_CLIENT_ID',
      'THREATQ_HOST',
      'THREATQ_PASSWORD',
      'THREATQ_STATUS',
      'THREATQ_USERNAME',
    ])
  })

  it('quotes the measured peak of a 1,000,000-indicator export, one number everywhere', () => {
    const bench = JSON.parse(readFileSync('docs/benchmarks.json', 'utf8')) as {
      connector: { results: { case: string; peakRssMb: number }[] }
    }
    const row = bench.connector.results.find((r) =>
      r.case.startsWith('export 1,000,000 indicators'),
    )
    assert.ok(row)
    const peak = Math.round(row.peakRssMb)
    const said = /1,000,000-indicator export peaks at (\d+) MiB/
    const quoted = [join(DIR, 'README.md'), join(DIR, 'cronjob.yaml'), 'README.md'].flatMap(
      (file) => {
        // Joined across line breaks and YAML comment markers.
        const text = readFileSync(file, 'utf8').replace(/\s*\n\s*#?\s*/g, ' ')
        return [...text.matchAll(new RegExp(said, 'g'))].map((m) => `${file}: ${String(m[1])}`)
      },
    )
    assert.ok(quoted.length >= 2, 'deploy/kubernetes quotes the peak')
    assert.deepEqual(
      quoted.filter((q) => !q.endsWith(`: ${String(peak)}`)),
      [],
      `measured ${String(peak)} MiB`,
    )
    const cronjob = parseAllDocuments(
      readFileSync(join(DIR, 'cronjob.yaml'), 'utf8'),
    )[0]?.toJS() as {
      spec: {
        jobTemplate: {
          spec: {
            template: { spec: { containers: { resources: { requests: { memory: string } } }[] } }
          }
        }
      }
    }
    const request =
      cronjob.spec.jobTemplate.spec.template.spec.containers[0]?.resources.requests.memory
    assert.ok(
      Number(request?.replace(/Mi$/, '')) >= peak,
      `memory request ${String(request)} below the peak`,
    )
  })
})
