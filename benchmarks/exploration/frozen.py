import json, numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
rs=[json.loads(l) for l in open('data/articles.jsonl')]
import sys; E=np.load(sys.argv[1] if len(sys.argv)>1 else 'E.npy'); ow=np.load('owner.npy')
L=['foreign_interference','internet_control']
Y=np.array([[l in r['topics'] for l in L] for r in rs],int)
sp=np.array([r['split'] for r in rs])
def agg(kind):
    out=np.zeros((len(rs),384 if kind!='meanmax' else 768),np.float32)
    for i in range(len(rs)):
        e=E[ow==i]
        out[i]= e.mean(0) if kind=='mean' else e.max(0) if kind=='max' else (e[0] if kind=='first' else np.concatenate([e.mean(0),e.max(0)]))
    return out
def tune(y,p): return np.array([max(np.arange(0.05,0.95,0.01),key=lambda t:f1_score(y[:,j],p[:,j]>=t)) for j in range(y.shape[1])])
def fitpred(X,C):
    P=np.zeros(Y.shape)
    for j in range(2):
        m=LogisticRegression(C=C,class_weight='balanced',max_iter=3000).fit(X[sp=='train'],Y[sp=='train',j]); P[:,j]=m.predict_proba(X)[:,1]
    return P
def rep(name,P):
    th=tune(Y[sp=='dev'],P[sp=='dev'])
    print(name,'dev %.3f test %.3f'%(f1_score(Y[sp=='dev'],P[sp=='dev']>=th,average='macro'),f1_score(Y[sp=='test'],P[sp=='test']>=th,average='macro')), 'test@.5 %.3f'%f1_score(Y[sp=='test'],P[sp=='test']>=.5,average='macro'))
texts=[(r['title'] or '')+'\n\n'+r['text'] for r in rs]
v=TfidfVectorizer(ngram_range=(1,2),min_df=2,sublinear_tf=True); v.fit([t for t,s in zip(texts,sp) if s=='train'])
Pt=fitpred(v.transform(texts),10); rep('tfidf',Pt)
for k in ['mean','max','first','meanmax']:
  for C in [1,10]:
    P=fitpred(agg(k),C); rep(f'{k} C={C}',P)
    rep(f'  ens {k}',(P+Pt)/2)
