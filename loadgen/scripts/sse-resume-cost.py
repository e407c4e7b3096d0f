# Resume cost over SSE/HTTP1.1: GET /sse with Last-Event-ID 1,000 positions behind the latest tick of one symbol;
# time from request sent to the 1,000th replayed tick event read. Raw socket, no libraries.
import socket, sys, time, hmac, hashlib, base64, json
port, secret, sym, behind = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
def b(x): return base64.urlsafe_b64encode(x).rstrip(b'=').decode()
h=b(json.dumps({"alg":"HS256","typ":"JWT"}).encode()); p=b(json.dumps({"sub":"resume","exp":int(time.time())+3600}).encode())
tok=h+"."+p+"."+b(hmac.new(secret.encode(),(h+"."+p).encode(),hashlib.sha256).digest())
def stream(last_id, want):
    s=socket.create_connection(("127.0.0.1",port)); s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    req=f"GET /sse?symbols={sym} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\n"+(f"Last-Event-ID: {last_id}\r\n" if last_id else "")+"\r\n"
    t0=time.perf_counter(); s.sendall(req.encode())
    buf=b""; ids=[]; snaps=0; t1=None
    while len(ids)<want:
        d=s.recv(1<<20)
        if not d: break
        buf+=d
        while b"\n\n" in buf:
            ev,buf=buf.split(b"\n\n",1)
            lines=ev.split(b"\n")
            if any(l==b"event: tick" for l in lines):
                i=[l[4:].decode() for l in lines if l.startswith(b"id: ")]
                data=[l for l in lines if l.startswith(b"data: ")][0]
                if b'"snap":true' in data: snaps+=1
                ids.append((i[0] if i else None, data))
                if len(ids)==want: t1=time.perf_counter()
    s.close(); return ids, snaps, (t1-t0) if t1 else None
def position():
    s=socket.create_connection(("127.0.0.1",port))
    s.sendall(f"GET /sse?symbols={sym} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\n\r\n".encode())
    buf=b""
    while b"\nid: " not in buf or not buf.endswith(b"\n\n"):
        buf+=s.recv(65536)
    s.close()
    return [l for l in buf.split(b"\n") if l.startswith(b"id: ")][-1][4:].decode()
last=position(); epoch,pos=last.rsplit("-",1)
print("latest position", last)
since=f"{epoch}-{int(pos)-behind}"
runs=[]
for k in range(5):
    got,snaps,dt=stream(since,behind)
    seqs=[json.loads(d[6:])["seq"] for _,d in got]
    contiguous=all(seqs[i+1]==seqs[i]+1 for i in range(len(seqs)-1))
    runs.append(dt*1000)
    print(f"run {k}: {len(got)} ticks replayed in {dt*1000:.1f} ms, snapshots/resets {snaps}, seq {seqs[0]}..{seqs[-1]} contiguous={contiguous}")
print("median ms", sorted(runs)[2])
