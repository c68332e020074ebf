// The manifest model, one for the checks, the app and its tools: the object type (KubeObject),
// its identity (objectKey), and the one reader of manifest texts, files and folders.

export { apiGroup, describeObject, objectKey } from './kube-object';
export type { KubeObject, ObjectMeta } from './kube-object';
export { InputError, manifestPaths, parseManifestText, readManifestFile, readManifestFolder, readManifestObjects } from './read-manifests';
export type { ManifestFile } from './read-manifests';
export { manifestSources } from './manifest-sources';
export type { ManifestSources } from './manifest-sources';
