import { kubeScoreCasesOf, kubeScoreCheckId, simpleCallConfig } from './kube-score-cases';

const HELPER = `
func testExpectedScore(t *testing.T, filename string, testcase string, expectedScore scorecard.Grade) []scorecard.TestScoreComment {
	return testExpectedScoreWithConfig(t, []ks.NamedReader{testFile(filename)}, nil, &config.RunConfiguration{
		KubernetesVersion: config.Semver{Major: 1, Minor: 18},
	}, testcase, expectedScore)
}
`;

describe('reading kube-score expectations from its Go tests', () => {
  const simple = simpleCallConfig(HELPER);

  test('testExpectedScore uses the configuration its definition passes', () => {
    expect(simple).toMatchObject({ kubernetesVersion: { major: 1, minor: 18 }, minReplicasDeployment: 0, enabledOptionalTests: [] });
    expect(simpleCallConfig('func other() {}')).toBe('score_test.go has no func testExpectedScore');
  });

  test('plain calls, loops over file names, configurations and the zero grade', () => {
    const src = `
func TestA(t *testing.T) {
	t.Parallel()
	testExpectedScore(t, "pod-a.yaml", "Container Image Tag", scorecard.GradeCritical)
}

func TestLoop(t *testing.T) {
	for _, v := range []string{"batchv1beta1", "batchv1"} {
		t.Run(v, func(t *testing.T) {
			testExpectedScore(t, "cronjob-"+v+"-x.yaml", "CronJob has deadline", scorecard.GradeAllOK)
		})
	}
}

func TestConfig(t *testing.T) {
	structMap := make(map[string]struct{})
	structMap["container-seccomp-profile"] = struct{}{}
	testExpectedScoreWithConfig(t, []ks.NamedReader{testFile("a.yaml"), testFile("b.yaml")}, nil, &config.RunConfiguration{
		EnabledOptionalTests: structMap,
		MinReplicasHPA: 5,
		IgnoreContainerCpuLimitRequirement: true,
	}, "Container Seccomp Profile", scorecard.GradeWarning)
}

func TestSkipped(t *testing.T) {
	// skipped
	testExpectedScore(t, "d.yaml", "Deployment has host PodAntiAffinity", 0)
}
`;
    const { cases, unread } = kubeScoreCasesOf('x_test.go', src, '/data', simple);
    expect(unread).toEqual([]);
    expect(cases.map((c) => [c.source, c.files, c.checkId, c.grade])).toEqual([
      ['score/x_test.go:4 TestA', ['/data/pod-a.yaml'], 'container-image-tag', 'Critical'],
      ['score/x_test.go:10 TestLoop (v=batchv1beta1)', ['/data/cronjob-batchv1beta1-x.yaml'], 'cronjob-has-deadline', 'AllOK'],
      ['score/x_test.go:10 TestLoop (v=batchv1)', ['/data/cronjob-batchv1-x.yaml'], 'cronjob-has-deadline', 'AllOK'],
      ['score/x_test.go:18 TestConfig', ['/data/a.yaml', '/data/b.yaml'], 'container-seccomp-profile', 'Warning'],
      ['score/x_test.go:27 TestSkipped', ['/data/d.yaml'], 'deployment-has-host-podantiaffinity', 'Skipped'],
    ]);
    expect(cases[3].config).toMatchObject({ enabledOptionalTests: ['container-seccomp-profile'], minReplicasHPA: 5, ignoreContainerCpuLimitRequirement: true });
    expect(cases[3].config.kubernetesVersion).toBeUndefined();
  });

  test('a call it cannot read is listed with the reason, not dropped', () => {
    const src = `
func TestOdd(t *testing.T) {
	testExpectedScoreWithConfig(t, files, nil, nil, "Pod Probes", scorecard.GradeAllOK)
	testExpectedScoreWithConfig(t, []ks.NamedReader{testFile("a.yaml")}, nil, &config.RunConfiguration{Verbose: 2}, "Pod Probes", scorecard.GradeAllOK)
	testExpectedScore(t, name, "Pod Probes", scorecard.GradeAllOK)
}
`;
    const { cases, unread } = kubeScoreCasesOf('y_test.go', src, '/data', simple);
    expect(cases).toEqual([]);
    expect(unread.map((u) => u.why)).toEqual([
      'the files "files" are not a []ks.NamedReader{testFile(...), ...} literal',
      'the run configuration field Verbose is not one the extractor knows',
      'the file name "name" is not a string literal (or literals and loop variables joined by +)',
    ]);
    expect(unread[0].source).toBe('score/y_test.go:3 TestOdd');
  });

  test('check ids are kube-score\'s machine-friendly names', () => {
    expect(kubeScoreCheckId('Deployment has host PodAntiAffinity')).toBe('deployment-has-host-podantiaffinity');
    expect(kubeScoreCheckId('Stable version')).toBe('stable-version');
  });
});
