import { describe, expect, it } from 'vitest';
import { RequestAuthenticator } from '../../local/emulator/authenticate.js';
import {
  canonicalQueryString,
  EMPTY_BODY_SHA256,
  formatUtcSeconds,
  parseQueryPairs,
  parseUtcSeconds,
  parseV3Authorization,
  percentEncode,
  sha256Hex,
  signV1,
  signV3,
  v1StringToSign,
  v3CanonicalRequest,
} from '../../local/emulator/signature.js';

/** "k=v, k=v" as written in aliyun-openapi.md §3.3. */
function pairs(text: string): Array<[string, string]> {
  return text.split(', ').map((item) => {
    const eq = item.indexOf('=');
    return [item.slice(0, eq), item.slice(eq + 1)];
  });
}

const CLASSIC = pairs(
  'AccessKeyId=testid, Action=DescribeRegions, Format=XML, SignatureMethod=HMAC-SHA1, SignatureNonce=3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf, SignatureVersion=1.0, Timestamp=2016-02-23T12:46:24Z, Version=2014-05-26',
);

describe('V1 HMAC-SHA1 signer (published vectors)', () => {
  it('reproduces the classic GET vector and its StringToSign', () => {
    expect(v1StringToSign('GET', CLASSIC)).toBe(
      'GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26',
    );
    expect(signV1('GET', CLASSIC, 'testsecret')).toBe('OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
  });

  it('signs the same parameters differently for POST', () => {
    expect(signV1('POST', CLASSIC, 'testsecret')).toBe('MxbnVAM4w6sft9xjVpe/GCKueuk=');
  });

  it('reproduces the current-doc vector', () => {
    const params = pairs(
      'AccessKeyId=testid, Action=DescribeDedicatedHosts, Format=JSON, RegionId=cn-beijing, SignatureMethod=HMAC-SHA1, SignatureNonce=edb2b34af0af9a6d14deaf7c1a5315eb, SignatureVersion=1.0, Timestamp=2023-03-13T08:34:30Z, Version=2014-05-26',
    );
    expect(signV1('GET', params, 'testsecret')).toBe('9NaGiOspFP5UPcwX8Iwt2YJXXuk=');
  });

  it('reproduces the Live list vector regardless of parameter order', () => {
    const params = pairs(
      'Version=2016-11-01, AccessKeyId=testid, Action=DescribeLivePullToPushList, Format=JSON, PageNumber=1, PageSize=10, Region=cn-shanghai, SignatureMethod=HMAC-SHA1, SignatureNonce=3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf, SignatureVersion=1.0, Timestamp=2024-08-26T10:30:00Z',
    );
    expect(signV1('GET', params, 'testsecret')).toBe('g39viyroJTaK75Bd672uVyFvYQ0=');
  });
});

describe('V3 ACS3-HMAC-SHA256 signer (published vector)', () => {
  const parts = {
    method: 'POST',
    path: '/',
    query: parseQueryPairs(
      'ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai',
    ),
    signedHeaders: [
      ['x-acs-version', '2014-05-26'],
      ['host', 'ecs.cn-shanghai.aliyuncs.com'],
      ['x-acs-action', 'RunInstances'],
      ['x-acs-date', '2023-10-26T10:22:32Z'],
      ['x-acs-signature-nonce', '3156853299f313e23d1673dc12e1703d'],
      ['x-acs-content-sha256', EMPTY_BODY_SHA256],
    ] as Array<[string, string]>,
    payloadHash: EMPTY_BODY_SHA256,
  };

  it('builds the canonical request byte for byte', () => {
    expect(v3CanonicalRequest(parts)).toBe(
      [
        'POST',
        '/',
        'ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai',
        'host:ecs.cn-shanghai.aliyuncs.com',
        'x-acs-action:RunInstances',
        `x-acs-content-sha256:${EMPTY_BODY_SHA256}`,
        'x-acs-date:2023-10-26T10:22:32Z',
        'x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d',
        'x-acs-version:2014-05-26',
        '',
        'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version',
        EMPTY_BODY_SHA256,
      ].join('\n'),
    );
    expect(sha256Hex(v3CanonicalRequest(parts))).toBe(
      '7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259',
    );
  });

  it('produces the published signature', () => {
    expect(signV3(parts, 'YourAccessKeySecret')).toBe(
      '06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0',
    );
  });

  it('changes the signature when any signed header changes', () => {
    const tampered = {
      ...parts,
      signedHeaders: parts.signedHeaders.map(([name, value]) =>
        name === 'x-acs-action'
          ? ([name, 'DeleteInstances'] as [string, string])
          : ([name, value] as [string, string]),
      ),
    };
    expect(signV3(tampered, 'YourAccessKeySecret')).not.toBe(signV3(parts, 'YourAccessKeySecret'));
  });

  it('parses the Authorization header', () => {
    expect(
      parseV3Authorization('ACS3-HMAC-SHA256 Credential=AKID,SignedHeaders=host;X-Acs-Date,Signature=abc123'),
    ).toEqual({ accessKeyId: 'AKID', signedHeaders: ['host', 'x-acs-date'], signature: 'abc123' });
    expect(parseV3Authorization('ACS3-HMAC-SHA256 Credential=AKID')).toBeUndefined();
    expect(parseV3Authorization('HMAC-SHA1 whatever')).toBeUndefined();
  });
});

describe('encoding', () => {
  it("re-encodes !'()* and spaces the RFC 3986 way", () => {
    expect(percentEncode("a b!'()*~-_.")).toBe('a%20b%21%27%28%29%2A~-_.');
  });

  it('decodes a query whatever the client escaped, so both spellings canonicalise alike', () => {
    const loose = parseQueryPairs("Name=a+b!(x)*'&SourceUrls=%5B%22rtmp%3A%2F%2Fh%2Fa%22%5D");
    const strict = parseQueryPairs('Name=a%20b%21%28x%29%2A%27&SourceUrls=%5B%22rtmp%3A%2F%2Fh%2Fa%22%5D');
    expect(loose).toEqual([
      ['Name', "a b!(x)*'"],
      ['SourceUrls', '["rtmp://h/a"]'],
    ]);
    expect(canonicalQueryString(loose)).toBe(canonicalQueryString(strict));
  });

  it('keeps a malformed escape literally instead of throwing', () => {
    expect(parseQueryPairs('A=%E0%A4%A&B=1')).toEqual([
      ['A', '%E0%A4%A'],
      ['B', '1'],
    ]);
  });
});

describe('UTC times', () => {
  it('accepts only yyyy-MM-ddTHH:mm:ssZ of a real calendar date', () => {
    expect(parseUtcSeconds('2024-08-26T10:30:00Z')).toBe(Date.UTC(2024, 7, 26, 10, 30, 0));
    expect(parseUtcSeconds('2024-08-26T10:30:00.000Z')).toBeUndefined();
    expect(parseUtcSeconds('2024-08-26 10:30:00')).toBeUndefined();
    expect(parseUtcSeconds('2024-08-26T10:30:00+08:00')).toBeUndefined();
    expect(parseUtcSeconds('2024-02-30T10:30:00Z')).toBeUndefined();
    expect(formatUtcSeconds(Date.UTC(2024, 7, 26, 10, 30, 0, 999))).toBe('2024-08-26T10:30:00Z');
  });
});

/** The API error code a verification throws, or undefined if it passes. */
function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe('RequestAuthenticator on the published vectors', () => {
  const keys = [
    { id: 'testid', secret: 'testsecret' },
    { id: 'YourAccessKeyId', secret: 'YourAccessKeySecret' },
  ];

  it('verifies the classic V1 request, then refuses its nonce a second time', () => {
    const auth = new RequestAuthenticator(keys);
    const request = {
      method: 'GET',
      path: '/',
      headers: {},
      query: [...CLASSIC, ['Signature', 'OLeaidS1JvxuMvnyHOwuJ+uX5qY='] as [string, string]],
      form: [],
      body: new Uint8Array(),
    };
    const now = Date.UTC(2016, 1, 23, 12, 50, 0);
    expect(auth.authenticate(request, now)).toEqual({ accessKeyId: 'testid', scheme: 'v1' });
    expect(codeOf(() => auth.authenticate(request, now))).toBe('SignatureNonceUsed');
  });

  it('verifies the V3 vector and rejects it 16 minutes later or with one header changed', () => {
    const headers = {
      host: 'ecs.cn-shanghai.aliyuncs.com',
      'x-acs-action': 'RunInstances',
      'x-acs-version': '2014-05-26',
      'x-acs-date': '2023-10-26T10:22:32Z',
      'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
      'x-acs-content-sha256': EMPTY_BODY_SHA256,
      authorization:
        'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0',
    };
    const request = {
      method: 'POST',
      path: '/',
      headers,
      query: parseQueryPairs(
        'ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai',
      ),
      form: [],
      body: new Uint8Array(),
    };
    const signedAt = Date.UTC(2023, 9, 26, 10, 22, 32);
    expect(codeOf(() => new RequestAuthenticator(keys).authenticate(request, signedAt + 16 * 60_000))).toBe(
      'InvalidTimeStamp.Expired',
    );
    expect(
      codeOf(() =>
        new RequestAuthenticator(keys).authenticate(
          { ...request, headers: { ...headers, 'x-acs-action': 'StopInstances' } },
          signedAt,
        ),
      ),
    ).toBe('SignatureDoesNotMatch');
    expect(
      codeOf(() =>
        new RequestAuthenticator(keys).authenticate({ ...request, body: new Uint8Array([1]) }, signedAt),
      ),
    ).toBe('SignatureDoesNotMatch');
    expect(
      codeOf(() =>
        new RequestAuthenticator([keys[0] ?? { id: '', secret: '' }]).authenticate(request, signedAt),
      ),
    ).toBe('InvalidAccessKeyId.NotFound');
    expect(new RequestAuthenticator(keys).authenticate(request, signedAt)).toEqual({
      accessKeyId: 'YourAccessKeyId',
      scheme: 'v3',
    });
  });
});
