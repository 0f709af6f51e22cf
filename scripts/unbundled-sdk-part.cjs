// Stands in, inside dist/ only, for the parts of @alicloud/fc2 livewatch never calls: its OSS client
// (code upload; ali-oss pulls in urllib and iconv-lite, ~0.8 MB), axios (STS refresh of that upload)
// and ws (interactive instance sessions). livewatch uses only fc2's header builder and signer
// (lib/fc/invoke-with-fc-signature.ts); anything else fails loudly instead of half-working.
'use strict';
module.exports = function unbundledSdkPart() {
  throw new Error('this @alicloud/fc2 feature is not bundled into livewatch (scripts/build.mjs)');
};
