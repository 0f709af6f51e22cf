import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { type Emulator, startEmulator } from '../../local/emulator/index.js';
import { callApi, callApiError, type Signer } from '../support/emulator-clients.js';

const SIGNERS: readonly Signer[] = ['v3', 'v2', 'pop'];
const LIST = { Region: 'cn-shanghai', PageSize: '5' };

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function start(clock = new ManualClock(Date.now())): Promise<Emulator> {
  emulator = await startEmulator({ clock, latencyMs: 0, tasks: 3, regions: ['cn-shanghai'] });
  return emulator;
}

describe('requests signed by the official clients', () => {
  it.each(SIGNERS)('accepts a list call signed by %s', async (signer) => {
    const emu = await start();
    const { status, body } = await callApi(emu, signer, 'DescribeLivePullToPushList', LIST);
    expect(status).toBe(200);
    expect(body.Total).toBe(3);
    expect(emu.requests.at(-1)).toMatchObject({
      action: 'DescribeLivePullToPushList',
      status: 200,
      scheme: signer === 'v3' ? 'v3' : 'v1',
    });
  });

  it.each(SIGNERS)(
    'accepts a POST Create with characters the clients escape differently (%s)',
    async (signer) => {
      const emu = await start();
      const name = "night show (part 1)! *live* 'beta' ~ 50% & more";
      const { body } = await callApi(
        emu,
        signer,
        'CreateLivePullToPush',
        {
          Region: 'cn-shanghai',
          TaskName: name,
          StartTime: '2026-01-01T00:00:00Z',
          EndTime: '2099-01-01T00:00:00Z',
          SourceType: 'url',
          SourceUrls: JSON.stringify([
            "https://files.example.com/a(1)!*'.mp4",
            'https://files.example.com/b c.mp4',
          ]),
          DstUrl: 'rtmp://push.example.com/app/stream?auth_key=1-0-0-abc',
        },
        { method: 'POST' },
      );
      const task = emu.task(String(body.TaskId));
      expect(task?.taskName).toBe(name);
      expect(task?.sourceUrls).toEqual([
        "https://files.example.com/a(1)!*'.mp4",
        'https://files.example.com/b c.mp4',
      ]);
    },
  );

  it.each(SIGNERS)('accepts an ICE form-body submit signed by %s', async (signer) => {
    const emu = await start();
    const { body } = await callApi(
      emu,
      signer,
      'SubmitLiveRecordJob',
      {},
      {
        method: 'POST',
        version: '2020-11-09',
        body: {
          Name: 'record (main)',
          StreamInput: JSON.stringify({ Type: 'rtmp', Url: 'rtmp://origin.example.com/live/main' }),
          RecordOutput: JSON.stringify({
            Type: 'oss',
            Bucket: 'b',
            Endpoint: 'oss-cn-shanghai.aliyuncs.com',
          }),
          TemplateId: 'tpl-1',
        },
      },
    );
    expect(emu.recordJobs().find((job) => job.jobId === body.JobId)?.name).toBe('record (main)');
  });
});

describe('JSON request bodies', () => {
  it('takes parameters from a V3-signed JSON body', async () => {
    const emu = await start();
    const { body } = await callApi(
      emu,
      'v3',
      'SubmitLiveTranscodeJob',
      {},
      {
        method: 'POST',
        version: '2020-11-09',
        reqBodyType: 'json',
        body: {
          Name: 'json ladder',
          StartMode: '0',
          StreamInput: JSON.stringify({ Type: 'rtmp', InputUrl: 'rtmp://origin.example.com/live/j' }),
          TemplateId: 'tpl',
          TranscodeOutput: JSON.stringify({ Type: 'LiveCenter', DomainName: 'play.example.com' }),
        },
      },
    );
    expect(emu.transcodeJobs().find((job) => job.jobId === body.JobId)).toMatchObject({
      name: 'json ladder',
      status: 1,
    });
  });
});

describe('rejected signatures', () => {
  it.each(SIGNERS)('rejects a wrong secret with SignatureDoesNotMatch (%s)', async (signer) => {
    const emu = await start();
    const failure = await callApiError(emu, signer, 'DescribeLivePullToPushList', LIST, {
      accessKey: { id: emu.accessKey.id, secret: 'not-the-secret' },
    });
    expect(failure.code).toBe('SignatureDoesNotMatch');
    if (signer !== 'pop') expect(failure.status).toBe(403);
    expect(emu.stats().actions.DescribeLivePullToPushList?.ok ?? 0).toBe(0);
  });

  it.each(SIGNERS)('rejects an unknown AccessKeyId with InvalidAccessKeyId.NotFound (%s)', async (signer) => {
    const emu = await start();
    const failure = await callApiError(emu, signer, 'DescribeLivePullToPushList', LIST, {
      accessKey: { id: 'LTAInobody', secret: emu.accessKey.secret },
    });
    expect(failure.code).toBe('InvalidAccessKeyId.NotFound');
  });

  it.each(SIGNERS)(
    'rejects a timestamp more than 15 minutes from the emulator clock (%s)',
    async (signer) => {
      const clock = new ManualClock(Date.now());
      const emu = await start(clock);
      await callApi(emu, signer, 'DescribeLivePullToPushList', LIST);
      clock.advance(16 * 60_000);
      const failure = await callApiError(emu, signer, 'DescribeLivePullToPushList', LIST);
      expect(failure.code).toBe('InvalidTimeStamp.Expired');
      clock.set(Date.now() + 14 * 60_000);
      expect((await callApi(emu, signer, 'DescribeLivePullToPushList', LIST)).body.Total).toBe(3);
    },
  );

  it('rejects a reused nonce with SignatureNonceUsed (V3 header and V1 parameter)', async () => {
    const emu = await start();
    const v3Nonce = { 'x-acs-signature-nonce': 'fixed-nonce-v3-0001' };
    await callApi(emu, 'v3', 'DescribeLivePullToPushList', LIST, { headers: v3Nonce });
    expect(
      (await callApiError(emu, 'v3', 'DescribeLivePullToPushList', LIST, { headers: v3Nonce })).code,
    ).toBe('SignatureNonceUsed');
    const v1Query = { ...LIST, SignatureNonce: 'fixed-nonce-v1-0001' };
    await callApi(emu, 'v2', 'DescribeLivePullToPushList', v1Query);
    expect((await callApiError(emu, 'v2', 'DescribeLivePullToPushList', v1Query)).code).toBe(
      'SignatureNonceUsed',
    );
  });

  it('does not burn a nonce on a request whose signature fails', async () => {
    const emu = await start();
    const headers = { 'x-acs-signature-nonce': 'nonce-of-a-forgery' };
    const forged = await callApiError(emu, 'v3', 'DescribeLivePullToPushList', LIST, {
      headers,
      accessKey: { id: emu.accessKey.id, secret: 'wrong' },
    });
    expect(forged.code).toBe('SignatureDoesNotMatch');
    expect((await callApi(emu, 'v3', 'DescribeLivePullToPushList', LIST, { headers })).status).toBe(200);
  });

  it('rejects an unsigned request and answers the standard error body', async () => {
    const emu = await start();
    const response = await fetch(
      `${emu.url}/?Action=DescribeLivePullToPushList&Version=2016-11-01&Region=cn-shanghai`,
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['Code', 'HostId', 'Message', 'RequestId']);
    expect(body.Code).toBe('MissingParameter');
  });

  it('accepts every configured AccessKey pair', async () => {
    emulator = await startEmulator({
      latencyMs: 0,
      accessKeys: [
        { id: 'LTAIfirst', secret: 'first-secret-123' },
        { id: 'LTAIsecond', secret: 'second-secret-456' },
      ],
    });
    const second = { id: 'LTAIsecond', secret: 'second-secret-456' };
    const { status } = await callApi(emulator, 'v3', 'DescribeLivePullToPushList', LIST, {
      accessKey: second,
    });
    expect(status).toBe(200);
    expect(emulator.requests.at(-1)?.accessKeyId).toBe('LTAIsecond');
  });
});
