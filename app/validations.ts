import * as path from 'path';
import { loadValidations } from '../synth/validations';

/** The validation plugins of cdk8s.yaml, loaded once: what `cdk8s synth` runs after the app. */
export function validations(): ReturnType<typeof loadValidations> {
  return loaded ??= loadValidations(path.join(__dirname, '..', 'cdk8s.yaml'));
}
let loaded: ReturnType<typeof loadValidations> | undefined;
