"""The only package that imports Ray: thin actor shells, their launcher, the bootstrap."""
