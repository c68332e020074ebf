import { App, Chart, Names, YamlOutputType } from 'cdk8s';
import type { KubeManifest } from 'k8s-checks';
import { stringifyManifests } from './manifest-yaml';

/** One output file of an app: its name, its objects and the YAML written for them. */
export interface ChartFile {
  /** `<chart>.k8s.yaml`, or `0000-<chart>.k8s.yaml` when charts depend on each other. */
  readonly file: string;
  readonly manifests: KubeManifest[];
  readonly yaml: string;
}

/**
 * What `app.synth()` writes with the default one-file-per-chart layout — the same names, order
 * and bytes — returned instead of written, so the objects can be checked before anything is
 * saved and need not be parsed back from YAML.
 *
 * cdk8s resolves dependencies and validates the constructs in `chart.toJson()`; the chart order
 * is read after that, as `app.synth()` does.
 */
export function synthChartFiles(app: App): ChartFile[] {
  if (app.yamlOutputType !== YamlOutputType.FILE_PER_CHART) {
    throw new Error(`synthChartFiles writes one file per chart; create the App with yamlOutputType: YamlOutputType.FILE_PER_CHART (it has ${YamlOutputType[app.yamlOutputType]})`);
  }
  const charts = app.node.findAll().filter((c): c is Chart => Chart.isChart(c));
  const objects = new Map<Chart, KubeManifest[]>(charts.map((c) => [c, c.toJson() as KubeManifest[]]));
  const ordered = app.charts;
  const indexed = ordered.some((c) => c.node.dependencies.some((d) => Chart.of(d) !== c));
  return ordered.map((chart, i) => {
    const manifests = objects.get(chart) ?? [];
    const name = Names.toDnsLabel(chart);
    return {
      file: `${indexed ? `${String(i).padStart(4, '0')}-` : ''}${name}${app.outputFileExtension}`,
      manifests,
      yaml: stringifyManifests(manifests),
    };
  });
}
