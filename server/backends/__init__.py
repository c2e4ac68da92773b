"""Remote store backends: any SPARQL 1.1 endpoint (sparql.py), and Virtuoso 7 (virtuoso.py).
The interface and the embedded backend are in server/store.py."""
