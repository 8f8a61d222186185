import json, numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
rs=[json.loads(l) for l in open('data/articles.jsonl')]
L=['foreign_interference','internet_control']
def XY(s):
    d=[r for r in rs if r['split']==s]
    return [ (r['title'] or '')+'\n\n'+r['text'] for r in d], np.array([[l in r['topics'] for l in L] for r in d],int)
Xtr,Ytr=XY('train');Xd,Yd=XY('dev');Xt,Yt=XY('test')
for C in [1,4,10,30]:
  v=TfidfVectorizer(ngram_range=(1,2),min_df=2,sublinear_tf=True)
  A=v.fit_transform(Xtr)
  Pd=[];Pt=[]
  for j in range(2):
    m=LogisticRegression(C=C,class_weight='balanced',max_iter=2000).fit(A,Ytr[:,j])
    Pd.append(m.predict_proba(v.transform(Xd))[:,1]);Pt.append(m.predict_proba(v.transform(Xt))[:,1])
  Pd=np.array(Pd).T;Pt=np.array(Pt).T
  # tune threshold on dev
  th=[]
  for j in range(2):
    best=max(np.arange(0.05,0.95,0.01),key=lambda t:f1_score(Yd[:,j],Pd[:,j]>=t))
    th.append(best)
  th=np.array(th)
  print(C,'dev',f1_score(Yd,Pd>=0.5,average='macro'),f1_score(Yd,Pd>=th,average='macro'),'test',f1_score(Yt,Pt>=0.5,average='macro'),f1_score(Yt,Pt>=th,average='macro'), f1_score(Yt,Pt>=th,average=None))
