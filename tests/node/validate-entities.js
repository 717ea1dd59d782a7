// Validates Backstage entities with the real @backstage/catalog-model policies and kind validators.
// Input (standard input): a JSON array of entities. Output: a JSON array of {index, kind, name, error}
// for every entity that fails; exit 0 either way (the Python test decides), 2 on bad input.
'use strict';
const model = require('@backstage/catalog-model');

const policy = model.EntityPolicies.allOf([
  new model.DefaultNamespaceEntityPolicy(),
  new model.NoForeignRootFieldsEntityPolicy(),
  new model.FieldFormatEntityPolicy(),
  new model.SchemaValidEntityPolicy(),
]);
const validators = [
  model.userEntityV1alpha1Validator,
  model.groupEntityV1alpha1Validator,
  model.componentEntityV1alpha1Validator,
  model.systemEntityV1alpha1Validator,
  model.domainEntityV1alpha1Validator,
  model.locationEntityV1alpha1Validator,
];

async function check(entity) {
  const enforced = await policy.enforce(entity);
  if (!enforced) throw new Error('rejected by the entity policies');
  let known = false;
  for (const validator of validators) {
    if (await validator.check(enforced)) known = true;
  }
  if (!known) throw new Error(`no kind validator accepts kind ${entity.kind}`);
}

async function main() {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  const entities = JSON.parse(text);
  const failures = [];
  for (const [index, entity] of entities.entries()) {
    try {
      await check(entity);
    } catch (err) {
      failures.push({ index, kind: entity && entity.kind, name: entity && entity.metadata && entity.metadata.name,
                      error: String(err && err.message || err) });
    }
  }
  process.stdout.write(JSON.stringify(failures) + '\n');
}

main().catch((err) => { process.stderr.write(String(err) + '\n'); process.exit(2); });
