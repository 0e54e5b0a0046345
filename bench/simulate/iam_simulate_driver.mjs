// Runs the scenarios of an iamwhy scenario file (as written by gen_scenarios.py) through
// @cloud-copilot/iam-simulate and prints `name<TAB>decision` per scenario, in input order.
// The context iamwhy derives from the principal (spec §1.4) is given explicitly, since
// iam-simulate does not derive it. Usage: node iam_simulate_driver.mjs NODE_MODULES FILE
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

const [modules, file] = process.argv.slice(2)
const require = createRequire(path.join(path.resolve(modules), 'x.js'))
const { runSimulation } = require('@cloud-copilot/iam-simulate')

function roleArn(sessionArn) {
  // arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION -> arn:aws:iam::ACCOUNT:role/ROLE
  const m = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(sessionArn)
  return m ? { arn: `arn:aws:iam::${m[1]}:role/${m[2]}`, account: m[1], session: m[3] } : null
}

function toSimulation(s) {
  const p = typeof s.principal === 'string' ? { arn: s.principal } : s.principal
  const ctx = { ...(s.context || {}) }
  const role = roleArn(p.arn)
  if (role) {
    ctx['aws:PrincipalArn'] = role.arn
    ctx['aws:PrincipalAccount'] = role.account
    if (p.unique_id) ctx['aws:userid'] = `${p.unique_id}:${role.session}`
  }
  for (const [k, v] of Object.entries(p.tags || {})) ctx[`aws:PrincipalTag/${k}`] = v
  if (p.org_id) ctx['aws:PrincipalOrgID'] = p.org_id
  if (s.current_time) ctx['aws:CurrentTime'] = s.current_time
  return {
    request: {
      principal: p.arn,
      action: s.action,
      resource: { resource: s.resource, accountId: s.resource_account },
      contextVariables: ctx,
    },
    identityPolicies: (s.identity_policies || []).map((ip) => ({ name: ip.name, policy: ip.document })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: s.resource_policy ? s.resource_policy.document : undefined,
    permissionBoundaryPolicies: undefined,
  }
}

const scenarios = JSON.parse(readFileSync(file, 'utf8'))
const out = []
for (const s of scenarios) {
  const r = await runSimulation(toSimulation(s), {})
  const decision = r.resultType === 'error' ? `Error ${JSON.stringify(r.errors).slice(0, 300)}` : r.overallResult
  out.push(`${s.name}\t${decision}`)
}
process.stdout.write(out.join('\n') + '\n')
