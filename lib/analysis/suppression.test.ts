import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConfigMapInfo, PodInfo, ServiceInfo } from './analysis-input.ts';
import type { Finding } from './finding.ts';
import { parseSuppressAnnotation, suppressionOf, type SuppressionSources } from './suppression.ts';

const service = (annotations: Record<string, string>, deletedMs: number | null = null): ServiceInfo => ({
  namespace: 'default', name: 'backend-service', uid: 's1', clusterIP: '10.105.148.194', type: 'ClusterIP', selector: { app: 'backend' },
  ports: [{ port: 10000 }], labels: {}, annotations, deletedMs,
});
const pod = (annotations: Record<string, string>, deletedMs: number | null = null): PodInfo => ({
  namespace: 'default', name: 'nginx-1', uid: 'p1', workload: { kind: 'Deployment', name: 'nginx' }, labels: {}, annotations, envoyContainers: ['envoy'], spec: {}, deletedMs,
});
const configMap = (annotations: Record<string, string>): ConfigMapInfo => ({ namespace: 'default', name: 'envoy-config', uid: 'c1', annotations, data: {} });
const finding: Finding = {
  code: 'EL0001', severity: 'error', key: 'k', resource: { kind: 'Service', namespace: 'default', name: 'backend-service' },
  related: [{ kind: 'Workload', namespace: 'default', name: 'Deployment/nginx' }, { kind: 'ConfigMap', namespace: 'default', name: 'envoy-config' }],
  title: 't', message: 'm', firstSeenMs: null, lastSeenMs: null, evidence: {},
};
const sources = (over: Partial<SuppressionSources>): SuppressionSources => ({ services: [], pods: [], configMaps: [], globalCodes: new Set(), ...over });

describe('suppression', () => {
  test('annotation values: codes separated by commas or spaces, any case, all/*', () => {
    assert.deepEqual([...parseSuppressAnnotation(' el0001, EL0003  EL0005')], ['EL0001', 'EL0003', 'EL0005']);
    assert.deepEqual([...parseSuppressAnnotation('*')], ['ALL']);
    assert.deepEqual([...parseSuppressAnnotation(undefined)], []);
  });

  test('silenced by an annotation on the resource, a related ConfigMap, or a pod of the related workload', () => {
    assert.equal(suppressionOf(finding, sources({ services: [service({ 'envoy-lens.io/suppress': 'EL0001' })] })), 'annotation envoy-lens.io/suppress on Service default/backend-service');
    assert.equal(suppressionOf(finding, sources({ configMaps: [configMap({ 'envoy-lens.io/suppress': 'all' })] })), 'annotation envoy-lens.io/suppress on ConfigMap default/envoy-config');
    assert.equal(suppressionOf(finding, sources({ pods: [pod({ 'envoy-lens.io/suppress': 'EL0001' })] })), 'annotation envoy-lens.io/suppress on Workload default/Deployment/nginx');
    assert.equal(suppressionOf(finding, sources({ globalCodes: new Set(['EL0001']) })), 'EL0001 is silenced everywhere by the configuration');
  });

  test('not silenced by another code, another resource, a deleted Service or a deleted pod', () => {
    assert.equal(suppressionOf(finding, sources({ services: [service({ 'envoy-lens.io/suppress': 'EL0003' })] })), null);
    assert.equal(suppressionOf(finding, sources({ services: [{ ...service({ 'envoy-lens.io/suppress': 'EL0001' }), name: 'other' }] })), null);
    assert.equal(suppressionOf(finding, sources({ services: [service({ 'envoy-lens.io/suppress': 'EL0001' }, 5)] })), null);
    assert.equal(suppressionOf(finding, sources({ pods: [pod({ 'envoy-lens.io/suppress': 'EL0001' }, 5)] })), null);
    assert.equal(suppressionOf(finding, sources({ globalCodes: new Set(['EL0002']) })), null);
    assert.equal(suppressionOf(finding, sources({ services: [service({ 'other.io/suppress': 'EL0001' })] })), null);
  });
});
