// The platforms' own checks of what `nightly --emit` prints: GitHub's workflow parser
// (@actions/workflow-parser) and the Kubernetes OpenAPI schemas (kubernetes-models).
import { register } from 'node:module';
import { parseAllDocuments } from 'yaml';
import { Job } from 'kubernetes-models/batch/v1';
import { PersistentVolumeClaim } from 'kubernetes-models/v1';

// The parser's build imports its JSON schema without `with { type: 'json' }`, which Node refuses
// (actions/languageservices#387): this hook adds the attribute to that package's JSON files only.
const HOOK = `export async function load(url, context, next) {
  const schema = url.includes('/@actions/workflow-parser/') && url.endsWith('.json');
  return next(url, schema ? { ...context, importAttributes: { ...context.importAttributes, type: 'json' } } : context);
}`;
register(`data:text/javascript,${encodeURIComponent(HOOK)}`);
const github = await import('@actions/workflow-parser');

/** What GitHub's parser says is wrong with a workflow: its schema, then the conversion to a runnable template. */
export async function workflowErrors(content: string): Promise<string[]> {
  const parsed = github.parseWorkflow({ name: 'nightly.yml', content }, new github.NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (errors.length) return errors;
  if (!parsed.value) return ['no workflow'];
  const template = await github.convertWorkflowTemplate(parsed.context, parsed.value);
  return (template.errors ?? []).map((e) => e.Message);
}

const MODELS: Record<string, (doc: any) => { validate(): void }> = {
  'batch/v1 Job': (doc) => new Job(doc),
  'v1 PersistentVolumeClaim': (doc) => new PersistentVolumeClaim(doc),
};

/** Each document of a multi-document YAML text, parsed. */
export function yamlDocs(text: string): any[] {
  return parseAllDocuments(text).map((d) => {
    if (d.errors.length) throw new Error(d.errors.map((e) => e.message).join('; '));
    return d.toJS();
  });
}

/** What the OpenAPI schema of the document's kind says is wrong with it; an unknown kind is wrong too. */
export function k8sErrors(doc: { apiVersion?: string; kind?: string }): string[] {
  const model = MODELS[`${doc.apiVersion} ${doc.kind}`];
  if (!model) return [`no schema here for ${doc.apiVersion} ${doc.kind}`];
  try {
    model(doc).validate();
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
}
