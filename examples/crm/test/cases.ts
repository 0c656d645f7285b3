/**
 * Calls of the CRM connector and what each must answer: the example's harness tests check them
 * offline, the end-to-end test (test/crm.test.ts) through `connector start` and the workspace,
 * so the error codes and details an author's mapping produces are the same in both.
 */
import { CRM_SITE, TENANT, type FakeCrm } from './fake-crm.js';

/** A result, or an error answer's code and details. */
export type Expected = { result: unknown } | { code: string; details: unknown };

export interface Case {
  name: string;
  method: string;
  input: Record<string, unknown>;
  /** Prepares the fake CRM before the call. */
  before?: (crm: FakeCrm) => void;
  expected: Expected;
}

const api = `${CRM_SITE.replace('://', `://${TENANT}.`)}/api/v1`;

export const CASES: Case[] = [
  {
    name: 'a contact',
    method: 'contacts.get',
    input: { id: 'c_1' },
    expected: { result: { id: 'c_1', name: 'Contact 1', email: 'contact1@acme.example' } },
  },
  {
    name: '404 → NOT_FOUND',
    method: 'contacts.get',
    input: { id: 'c_99' },
    expected: { code: 'NOT_FOUND', details: { path: '/api/v1/contacts/c_99' } },
  },
  {
    name: '422 → VALIDATION_FAILED with every field',
    method: 'contacts.create',
    input: { name: ' ', email: 'not-an-email' },
    expected: {
      code: 'VALIDATION_FAILED',
      details: {
        fields: [
          { field: 'name', message: 'is required', code: 'blank' },
          { field: 'email', message: 'is not an email address', code: 'invalid_format' },
        ],
      },
    },
  },
  {
    name: '422 for a taken email',
    method: 'contacts.create',
    input: { name: 'Ada', email: 'contact1@acme.example' },
    expected: { code: 'VALIDATION_FAILED', details: { fields: [{ field: 'email', message: 'has already been taken', code: 'taken' }] } },
  },
  {
    name: 'the first page and its cursor',
    method: 'contacts.list',
    input: { limit: 3 },
    expected: {
      result: {
        contacts: [1, 2, 3].map((i) => ({ id: `c_${i}`, name: `Contact ${i}`, email: `contact${i}@acme.example` })),
        next: 'cur_3',
      },
    },
  },
  {
    name: 'the last page',
    method: 'contacts.list',
    input: { limit: 3, cursor: 'cur_6' },
    expected: { result: { contacts: [{ id: 'c_7', name: 'Contact 7', email: 'contact7@acme.example' }], next: null } },
  },
  {
    name: 'a 429 with a short Retry-After is waited out',
    method: 'contacts.get',
    input: { id: 'c_2' },
    before: (crm) => crm.rateLimitNext(1, '1'),
    expected: { result: { id: 'c_2', name: 'Contact 2', email: 'contact2@acme.example' } },
  },
  {
    name: 'a 429 asking for an hour → RATE_LIMITED at once',
    method: 'contacts.get',
    input: { id: 'c_2' },
    before: (crm) => crm.rateLimitNext(1, '3600'),
    expected: {
      code: 'RATE_LIMITED',
      details: {
        status: 429,
        method: 'GET',
        url: `${api}/contacts/c_2`,
        body: '{"error":{"type":"rate_limited","message":"slow down"}}',
        retryAfterMs: 3_600_000,
      },
    },
  },
];
