"""Readers: one module per input format, each turning a file into a `ReadResult`.

`csv` (the documented generic CSV), `maxqda` (MAXQDA "Coded segments" exports),
`refi` (REFI-QDA projects and codebooks), `sssom` (mapping tables). `xmlsafe`
holds the hardened XML and zip handling; `common` what they share. Readers never
print or exit; they raise `cryonto.errors.CryontoError`.
"""
