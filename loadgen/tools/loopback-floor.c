/*
 * The floor under any fan-out server on this machine: 1,000 loopback TCP connections, one thread
 * writing 200 bytes to each of them RATE times a second (one write(2) per delivery, TCP_NODELAY),
 * one thread reading them with epoll. Prints the CPU time per write and per read.
 *
 *   gcc -O2 -o /tmp/loopback-floor loadgen/tools/loopback-floor.c -lpthread
 *   /tmp/loopback-floor 100 5      # 100 rounds/s (100,000 deliveries/s) for 5 s
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <time.h>
#include <sys/resource.h>
#include <fcntl.h>
#define N 1000
int srv[N], cli[N];
volatile int stop=0; long reads=0;
static double cpu_thread(){ struct timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID,&t); return t.tv_sec+t.tv_nsec/1e9;}
void* reader(void*a){ int ep=epoll_create1(0); for(int i=0;i<N;i++){struct epoll_event e={.events=EPOLLIN,.data.fd=cli[i]}; epoll_ctl(ep,EPOLL_CTL_ADD,cli[i],&e);} 
 struct epoll_event ev[512]; char buf[65536]; double c0=cpu_thread(); long n=0;
 while(!stop){ int k=epoll_wait(ep,ev,512,100); for(int i=0;i<k;i++){ int r=read(ev[i].data.fd,buf,sizeof buf); if(r>0) n++; } }
 double c1=cpu_thread(); printf("reader: %ld reads, %.2f us cpu/read\n", n, (c1-c0)*1e6/n); return 0;}
int main(int argc,char**argv){ int rate=atoi(argv[1]); int secs=atoi(argv[2]);
 int l=socket(AF_INET,SOCK_STREAM,0); struct sockaddr_in a={.sin_family=AF_INET,.sin_port=htons(19999)}; a.sin_addr.s_addr=htonl(0x7f000001);
 int one=1; setsockopt(l,SOL_SOCKET,SO_REUSEADDR,&one,4); if(bind(l,(void*)&a,sizeof a)){perror("bind");return 1;} listen(l,4096);
 for(int i=0;i<N;i++){ cli[i]=socket(AF_INET,SOCK_STREAM,0); connect(cli[i],(void*)&a,sizeof a); srv[i]=accept(l,0,0); setsockopt(srv[i],IPPROTO_TCP,TCP_NODELAY,&one,4); fcntl(cli[i],F_SETFL,O_NONBLOCK);} 
 pthread_t t; pthread_create(&t,0,reader,0);
 char msg[200]; memset(msg,'x',200); double c0=cpu_thread(); long w=0;
 struct timespec next; clock_gettime(CLOCK_MONOTONIC,&next);
 for(int r=0;r<rate*secs;r++){ for(int i=0;i<N;i++){ write(srv[i],msg,200); w++; }
   next.tv_nsec+=1000000000L/rate; if(next.tv_nsec>=1000000000L){next.tv_sec++;next.tv_nsec-=1000000000L;} clock_nanosleep(CLOCK_MONOTONIC,TIMER_ABSTIME,&next,0);} 
 double c1=cpu_thread(); printf("writer: %ld writes, %.2f us cpu/write\n", w,(c1-c0)*1e6/w);
 sleep(1); stop=1; pthread_join(t,0); return 0;}
