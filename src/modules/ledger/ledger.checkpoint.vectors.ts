/**
 * Real-world checkpoints, copied as data only, no code.
 *
 * - A checkpoint served by https://sum.golang.org/latest (the Go checksum database) and cosigned by a test
 *   witness, as recorded in github.com/google/trillian-examples witness/golang/cmd/addrwitness/README.md, with
 *   the log's verifier key from example_config.yaml beside it, both @ 7fc8e4db9946d0c5bee741b8d26d58befb39fcc7
 *   (Apache License 2.0, Copyright Google LLC). The same key is built into the go command:
 *   github.com/golang/go src/cmd/go/internal/modfetch/key.go (BSD 3-Clause License, The Go Authors).
 * - The `FormatTree` golden text of github.com/golang/mod sumdb/tlog/note_test.go
 *   @ 774e77886cf18ba9e220baec8497d65b0c50373f (BSD 3-Clause License, Copyright 2019 The Go Authors), whose root
 *   is the RFC 6962 leaf hash of "hello world".
 * - The example body of the C2SP tlog-checkpoint specification (https://c2sp.org/tlog-checkpoint).
 */

export const sumGolangOrgVerifierKey = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8';

export const sumGolangOrgOrigin = 'go.sum database tree';

/** Signed by sum.golang.org, then by two witness keys the test does not know (one of them not Ed25519). */
export const sumGolangOrgWitnessedCheckpoint =
  'go.sum database tree\n15081221\nBoMMe1wd25Tco0mYGROkyqxHZWx+hcSCtMV315Lu6Lg=\n\n' +
  '\u2014 sum.golang.org Az3grilD7vQqTrv66jRgKM84Y80KTprrSt4bKmiOPxgmS5ZVBTeCl6dUvjYnN13R+C8j0jGY1WnUADGMkok3U0m2Zgo=\n' +
  '\u2014 test.example.com qTGhC3917mAr6hGh+T55tNjxaej/D/GQivJZRIj7XGdAcQOTqfMWIPgp/v/904LEduN/h2sSRtHUJXUL4b9Gm7Bz4Qc=\n' +
  '\u2014 test.example.com /Pa7Y/dUvWMAAAAAQVwkQVi81ArPV7BIaQYrMIxyzY0m8a4BdeeBhSKd3PviPK4/3Sd+NKSc5N7PDTCfAkUSVniN+R2oKIggA4iiDQ==\n';

export const goTlogTreeText =
  'go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n';

export const goTlogTreeLeaf = 'hello world';

export const specExampleBody =
  'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
