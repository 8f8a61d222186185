import json, numpy as np
exec(open('cv.py').read().split("T=cvprobs")[0].replace("E=np.load(sys.argv[1])","E=np.load('E.npy')"))
T=cvprobs('tfidf',10)
grid=np.linspace(.05,.95,91)
def f1s(y,p): return np.array([f1_score(y,p>=t,zero_division=0) for t in grid])
def pick(y,p,mode):
    s=f1s(y,p)
    if mode=='spike': return grid[np.argmax(s)]
    if mode=='half': return 0.5
    if mode.startswith('plat'):
        tol=float(mode[4:]); ok=grid[s>=s.max()-tol]; return float(np.median(ok))
    w=int(mode); sm=np.convolve(np.pad(s,w,mode='edge'),np.ones(2*w+1)/(2*w+1),'valid'); return grid[np.argmax(sm)]
fid=np.zeros(len(pool),int)
for k,(a,b) in enumerate(folds): fid[b]=k
for name,P in [('tfidf',T),('mean',cvprobs('mean',10)),('blend.75',.75*cvprobs('mean',10)+.25*T),('blend.5',.5*cvprobs('max',10)+.5*T)]:
    res={}
    for mode in ['spike','half','5','plat0.01','plat0.02','plat0.03']:
        sc=[]
        for k in range(5):
            d=pool[fid==(k+1)%5]; e=pool[fid==k]
            th=[pick(Y[d,j],P[d,j],mode) for j in range(2)]
            sc.append(f1_score(Y[e],P[e]>=np.array(th),average='macro'))
        res[mode]=round(np.mean(sc),3)
    print(name,res)
